// ragspace workspace create|list|suspend|reactivate|limits
import type { Command } from 'commander';
import { cliOperator } from '../../tenancy/audit.ts';
import { changeWorkspaceLimitOverrides, getEffectiveLimits, limitNames } from '../../tenancy/plans.ts';
import { setWorkspaceStatus } from '../../tenancy/tenant-status.ts';
import { createWorkspace, getWorkspace, listWorkspaces } from '../../tenancy/workspaces.ts';
import { collect, formatLimit, parseLimitAssignments } from '../limit-arguments.ts';
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
            ['ID', 'SLUG', 'NAME', 'STATUS'],
            workspaces.map((item) => [item.id, item.slug, item.name, item.status]),
          ),
        );
      }),
    );

  for (const [action, status, help] of [
    ['suspend', 'suspended', 'suspend a workspace: its keys are refused (403) on every route; nothing is deleted'],
    ['reactivate', 'active', 'reactivate a suspended workspace'],
  ] as const) {
    workspace
      .command(action)
      .description(help)
      .argument('<workspace>', 'workspace id, slug, or org-slug/workspace-slug')
      .option('--reason <text>', 'why (kept in the audit trail)')
      .option('--json', 'print JSON')
      .action(
        runWithDatabase<{ reason?: string; json?: boolean }, [string]>(async (runtime, options, reference) => {
          const updated = await setWorkspaceStatus(runtime.database, reference, status, { reason: options.reason }, cliOperator);
          printResult(options, updated, () => `workspace ${updated.slug} (${updated.id}): ${updated.status}`);
        }),
      );
  }

  workspace
    .command('limits')
    .description("show a workspace's limits (its plan's, with its own overrides), or change its overrides")
    .argument('<workspace>', 'workspace id, slug, or org-slug/workspace-slug')
    .option('--set <name=value>', `override a limit (a whole number or "unlimited"); repeatable. Limits: ${limitNames.join(', ')}`, collect, [])
    .option('--unset <name>', "drop an override: the plan's value applies again; repeatable", collect, [])
    .option('--clear', 'drop every override')
    .option('--json', 'print JSON')
    .action(
      runWithDatabase<{ set: string[]; unset: string[]; clear?: boolean; json?: boolean }, [string]>(async (runtime, options, reference) => {
        const found = await getWorkspace(runtime.database, reference);
        const set = parseLimitAssignments(options.set);
        if (options.clear || options.set.length > 0 || options.unset.length > 0) {
          await changeWorkspaceLimitOverrides(runtime.database, found.id, { ...(options.clear ? { replace: {} } : {}), set, unset: options.unset }, cliOperator);
        }
        const effective = await getEffectiveLimits(runtime.database, found.id);
        printResult(options, effective, () =>
          [
            `workspace ${found.slug} (${found.id}): plan ${effective.planId}, workspace ${effective.workspaceStatus}, organization ${effective.organizationStatus}`,
            formatTable(
              ['LIMIT', 'VALUE', 'SOURCE'],
              limitNames.map((name) => [name, formatLimit(effective.limits[name]), name in effective.overrides ? 'override' : 'plan']),
            ),
          ].join('\n'),
        );
      }),
    );
}
