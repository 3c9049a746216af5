// ragspace usage: a workspace's usage and cost over a time range. The work is in ../actions/usage.ts.
import type { Command } from 'commander';
import { workspaceGroupings } from '../../tenancy/usage-reports.ts';
import { runWithDatabase } from '../run-command.ts';

export interface UsageOptions {
  workspace: string;
  from?: string;
  to?: string;
  groupBy?: string;
  csv?: boolean;
  json?: boolean;
}

export function registerUsageCommand(program: Command): void {
  program
    .command('usage')
    .description("a workspace's usage and cost (this month unless --from/--to say otherwise)")
    .requiredOption('--workspace <id|slug>', 'the workspace (id, slug, or org-slug/workspace-slug)')
    .option('--from <date>', 'start, inclusive (ISO 8601 date or date-time, UTC)')
    .option('--to <date>', 'end, exclusive')
    .option('--group-by <grouping>', `also group by one of: ${workspaceGroupings.join(', ')}`)
    .option('--csv', 'print CSV')
    .option('--json', 'print JSON')
    .action(
      runWithDatabase<UsageOptions, []>(async (runtime, options) => {
        const { printUsage } = await import('../actions/usage.ts');
        await printUsage(runtime, options);
      }),
    );
}
