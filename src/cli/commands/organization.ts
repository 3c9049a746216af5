// ragspace org create|list
import type { Command } from 'commander';
import { createOrganization, listOrganizations } from '../../tenancy/organizations.ts';
import { formatTable, printResult } from '../output.ts';
import { runWithDatabase } from '../run-command.ts';

export function registerOrganizationCommands(program: Command): void {
  const organization = program.command('org').description('manage organizations');

  organization
    .command('create')
    .description('create an organization')
    .requiredOption('--name <name>', 'display name')
    .option('--slug <slug>', 'URL-safe identifier (default: derived from the name)')
    .option('--json', 'print JSON')
    .action(
      runWithDatabase<{ name: string; slug?: string; json?: boolean }, []>(async (runtime, options) => {
        const created = await createOrganization(runtime.database, { name: options.name, slug: options.slug });
        printResult(options, created, () => `created organization ${created.slug} (${created.id})`);
      }),
    );

  organization
    .command('list')
    .description('list organizations')
    .option('--json', 'print JSON')
    .action(
      runWithDatabase<{ json?: boolean }, []>(async (runtime, options) => {
        const organizations = await listOrganizations(runtime.database);
        printResult(options, organizations, () =>
          formatTable(
            ['ID', 'SLUG', 'NAME'],
            organizations.map((item) => [item.id, item.slug, item.name]),
          ),
        );
      }),
    );
}
