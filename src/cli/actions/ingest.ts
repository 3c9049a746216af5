// ragspace ingest, the work: read the items, write them with the ingestion pipeline, report progress.
import { Presets, SingleBar } from 'cli-progress';
import { countDocuments, deleteAllDocuments } from '../../ingestion/documents.ts';
import { limitDocumentWriters } from '../../ingestion/document-writers.ts';
import { runIngestion, type IngestRunSummary, type ItemResult } from '../../ingestion/ingest-run.ts';
import { beirCorpusItems, countBeirCorpus } from '../../ingestion/sources/beir.ts';
import { defaultGlob, listDirectoryItems } from '../../ingestion/sources/directory.ts';
import type { IngestItem } from '../../ingestion/sources/ingest-item.ts';
import type { Runtime } from '../../runtime.ts';
import { refreshPlannerStatistics } from '../../db/planner-statistics.ts';
import { printResult } from '../output.ts';
import { operatorContext } from '../workspace-context.ts';
import type { IngestCommandOptions } from '../commands/ingest.ts';
import { createUsageRecorder, type UsageEvent } from '../../tenancy/usage.ts';
import { meterOperation } from '../../tenancy/usage-scope.ts';

interface ProgressReporter {
  onResult(result: ItemResult, totals: { documents: number; chunks: number }): void;
  stop(): void;
}

function statusLine(result: ItemResult): string {
  const label = result.status.padEnd(12);
  if (result.status === 'failed') return `${label} ${result.source}: ${result.error?.message ?? 'failed'}`;
  return `${label} ${result.source} (${result.chunkCount} chunk${result.chunkCount === 1 ? '' : 's'})`;
}

/** A progress bar on a terminal; one line per document otherwise; nothing with --json. */
function createProgressReporter(total: number, json: boolean): ProgressReporter {
  if (json) return { onResult: () => undefined, stop: () => undefined };
  if (!process.stderr.isTTY) {
    return { onResult: (result) => process.stdout.write(`${statusLine(result)}\n`), stop: () => undefined };
  }
  const started = performance.now();
  const bar = new SingleBar(
    {
      format: 'ingesting {bar} {value}/{total} files | {chunks} chunks | {rate} chunks/s | ETA {eta_formatted}',
      stream: process.stderr,
      hideCursor: true,
      etaBuffer: 50,
    },
    Presets.shades_classic,
  );
  bar.start(total, 0, { chunks: 0, rate: '0' });
  return {
    // Failures are listed in the summary once the bar is done.
    onResult(_result, totals) {
      const seconds = (performance.now() - started) / 1000;
      bar.update(totals.documents, { chunks: totals.chunks, rate: seconds > 0 ? (totals.chunks / seconds).toFixed(0) : '0' });
    },
    stop: () => bar.stop(),
  };
}

function humanSummary(workspace: string, summary: IngestRunSummary, removed: number | undefined): string {
  const verb = summary.dryRun ? 'would ingest' : 'ingested';
  const lines = [
    `${verb} ${summary.documents} document${summary.documents === 1 ? '' : 's'} into workspace ${workspace}: ` +
      `${summary.created} created, ${summary.updated} updated, ${summary.unchanged} unchanged, ${summary.failed} failed; ` +
      `${summary.chunks} chunks in ${summary.seconds.toFixed(1)} s (${summary.chunksPerSecond.toFixed(0)} chunks/s)`,
  ];
  if (removed !== undefined) lines.unshift(`${summary.dryRun ? 'would remove' : 'removed'} ${removed} existing document${removed === 1 ? '' : 's'} (--clean)`);
  const failures = summary.results.filter((result) => result.status === 'failed');
  if (failures.length > 0) {
    lines.push(`failed (${failures.length}):`);
    for (const failure of failures) lines.push(`  ${failure.source}: ${failure.error?.message ?? 'failed'}`);
  }
  return lines.join('\n');
}

function ingestionRunEvent(summary: IngestRunSummary | undefined): UsageEvent {
  return { kind: 'ingestion', documents: (summary?.created ?? 0) + (summary?.updated ?? 0), chunks: summary?.chunks ?? 0 };
}

export async function runIngestCommand(runtime: Runtime, options: IngestCommandOptions): Promise<IngestRunSummary> {
  const context = await operatorContext(runtime.database, options.workspaceId);
  const listeners = options.graph ? (runtime.documentListeners ?? []) : [];
  // Bounded like a server's writes: this run may share the database with a server's searches.
  const dependencies = { database: runtime.database, embedder: runtime.embedder, listeners, documentWriters: limitDocumentWriters(runtime.config.documentWriters) };

  let items: Iterable<IngestItem> | AsyncIterable<IngestItem>;
  let total: number;
  if (options.directory) {
    const listed = await listDirectoryItems(options.directory, options.glob ?? defaultGlob);
    items = listed;
    total = listed.length;
  } else {
    items = beirCorpusItems(options.beir!);
    total = await countBeirCorpus(options.beir!);
  }

  let removed: number | undefined;
  if (options.clean) {
    removed = options.dryRun ? await countDocuments(runtime.database, context) : await deleteAllDocuments(dependencies, context);
  }

  const progress = createProgressReporter(total, Boolean(options.json));
  // The run's usage: one ingestion row, and the embedding (and LLM extraction) calls it made.
  const usage = createUsageRecorder(runtime.database, { logger: runtime.logger });
  let summary: IngestRunSummary;
  try {
    const ingest = () =>
      runIngestion(dependencies, context, items, {
        chunkSize: options.chunkSize,
        chunkOverlap: options.chunkOverlap,
        graph: options.graph,
        dryRun: options.dryRun,
        onResult: (result, totals) => progress.onResult(result, totals),
      });
    summary = options.dryRun ? await ingest() : await meterOperation((event) => usage.record(context, event), { event: ingestionRunEvent }, ingest);
  } finally {
    progress.stop();
    await usage.close();
  }
  if (!options.dryRun) await refreshPlannerStatistics(runtime.database, runtime.embedded);

  printResult(options, { workspace: { id: context.workspaceId, slug: context.slug }, removed: removed ?? 0, ...summary }, () =>
    humanSummary(context.slug, summary, removed),
  );
  if (summary.failed > 0) process.exitCode = 1;
  return summary;
}
