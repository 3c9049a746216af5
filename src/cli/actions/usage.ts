// ragspace usage, the work: read a workspace's usage report and print it as a table, JSON or CSV.
import type { ControlRuntime } from '../../runtime.ts';
import { parseInput } from '../../tenancy/validation.ts';
import { getWorkspaceUsage, usageRangeSchema, usageReportCsv, workspaceGroupings, type UsageReport } from '../../tenancy/usage-reports.ts';
import type { UsageOptions } from '../commands/usage.ts';
import { formatTable, printResult } from '../output.ts';
import { operatorContext } from '../workspace-context.ts';

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

export async function printUsage(runtime: ControlRuntime, options: UsageOptions): Promise<void> {
  const range = parseInput(usageRangeSchema(workspaceGroupings), { from: options.from, to: options.to, groupBy: options.groupBy });
  const context = await operatorContext(runtime.database, options.workspace);
  const report = await getWorkspaceUsage(runtime.database, context, range);
  if (options.csv) process.stdout.write(usageReportCsv(report));
  else printResult(options, report, () => humanReport(report));
}
