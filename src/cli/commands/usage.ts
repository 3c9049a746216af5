// ragspace usage: a workspace's usage and cost over a time range, as a table, JSON or CSV.
import type { Command } from 'commander';
import { parseInput } from '../../tenancy/validation.ts';
import { getWorkspaceUsage, usageRangeSchema, usageReportCsv, workspaceGroupings, type UsageReport } from '../../tenancy/usage-reports.ts';
import { formatTable, printResult } from '../output.ts';
import { runWithRuntime } from '../run-command.ts';
import { operatorContext } from '../workspace-context.ts';

interface UsageOptions {
  workspace: string;
  from?: string;
  to?: string;
  groupBy?: string;
  csv?: boolean;
  json?: boolean;
}

function humanReport(report: UsageReport): string {
  const header = [report.groupBy ?? 'all', 'kind', 'events', 'input', 'output', 'embedding', 'documents', 'chunks', 'bytes', 'cost (USD)'];
  const rows = [...report.rows, { group: 'total', kind: '', ...report.totals }].map((row) => [
    row.group ?? '-',
    row.kind,
    ...[row.events, row.inputTokens, row.outputTokens, row.embeddingTokens, row.documents, row.chunks, row.bytes].map(String),
    row.costUsd.toFixed(6),
  ]);
  return [`usage from ${report.from} to ${report.to}`, formatTable(header, rows)].join('\n');
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
      runWithRuntime<UsageOptions, []>(async (runtime, options) => {
        const range = parseInput(usageRangeSchema(workspaceGroupings), { from: options.from, to: options.to, groupBy: options.groupBy });
        const context = await operatorContext(runtime.database, options.workspace);
        const report = await getWorkspaceUsage(runtime.database, context, range);
        if (options.csv) process.stdout.write(usageReportCsv(report));
        else printResult(options, report, () => humanReport(report));
      }),
    );
}
