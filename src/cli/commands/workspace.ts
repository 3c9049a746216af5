// ragspace workspace create|list
import type { Command } from 'commander';
import { createWorkspace, listWorkspaces } from '../../tenancy/workspaces.ts';
import { formatTable, printResult } from '../output.ts';
import { runWithDatabase } from '../run-command.ts';

export function registerWorkspaceCommands(program: Command): void {
  const workspace = program.command('workspace').description('manage workspaces');

  workspace
    .command('create')
    .description('create a workspace (with a default agent) in an organization')
    .requiredOption('--org <id|slug>', 'the organization')
    .requiredOption('--name <name>', 'display name')
    .option('--slug <slug>', 'URL-safe identifier, unique in the organization (default: derived from the name)')
    .option('--json', 'print JSON')
    .action(
      runWithDatabase<{ org: string; name: string; slug?: string; json?: boolean }, []>(async (runtime, options) => {
        const created = await createWorkspace(runtime.database, { organization: options.org, name: options.name, slug: options.slug });
        printResult(options, created, () => `created workspace ${created.slug} (${created.id})`);
      }),
    );

  workspace
    .command('list')
    .description("list an organization's workspaces")
    .requiredOption('--org <id|slug>', 'the organization')
    .option('--json', 'print JSON')
    .action(
      runWithDatabase<{ org: string; json?: boolean }, []>(async (runtime, options) => {
        const workspaces = await listWorkspaces(runtime.database, options.org);
        printResult(options, workspaces, () =>
          formatTable(
            ['ID', 'SLUG', 'NAME'],
            workspaces.map((item) => [item.id, item.slug, item.name]),
          ),
        );
      }),
    );
}
