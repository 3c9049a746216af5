// ragspace ingest: load a directory (Markdown, text, HTML, PDF) or a BEIR corpus into one workspace.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import { InvalidArgumentError, type Command } from 'commander';
import { RagspaceError } from '../../errors.ts';
import { parseChunkingOptions } from '../../ingestion/chunker.ts';
import { countDocuments, deleteAllDocuments } from '../../ingestion/documents.ts';
import { runIngestion, type IngestRunSummary, type ItemResult } from '../../ingestion/ingest-run.ts';
import { beirCorpusItems, countBeirCorpus } from '../../ingestion/sources/beir.ts';
import { defaultGlob, listDirectoryItems } from '../../ingestion/sources/directory.ts';
import type { IngestItem } from '../../ingestion/sources/ingest-item.ts';
import type { Runtime } from '../../runtime.ts';
import { refreshPlannerStatistics } from '../../db/planner-statistics.ts';
import { printResult } from '../output.ts';
import { operatorContext } from '../workspace-context.ts';
import { runWithRuntime } from '../run-command.ts';
import { createUsageRecorder, type UsageEvent } from '../../tenancy/usage.ts';
import { meterOperation } from '../../tenancy/usage-scope.ts';

export interface IngestCommandOptions {
  workspaceId: string;
  directory?: string;
  beir?: string;
  glob?: string;
  clean?: boolean;
  chunkSize?: number;
  chunkOverlap?: number;
  graph: boolean;
  dryRun?: boolean;
  json?: boolean;
}

export function parseWholeNumber(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError('expected a whole number');
  return Number(value);
}

async function requireDirectory(option: string, directory: string): Promise<string | undefined> {
  const found = await stat(directory).catch(() => undefined);
  if (!found) return `${option} ${directory}: no such directory`;
  if (!found.isDirectory()) return `${option} ${directory}: not a directory`;
  return undefined;
}

/** Checks the options before the database is opened, so a typo fails fast with a clear message. */
async function validateOptions(options: IngestCommandOptions): Promise<string | undefined> {
  if (Boolean(options.directory) === Boolean(options.beir)) return 'pass exactly one of --directory <dir> or --beir <dir>';
  if (options.glob !== undefined && !options.directory) return '--glob applies to --directory only';
  try {
    parseChunkingOptions({ chunkSize: options.chunkSize, chunkOverlap: options.chunkOverlap });
  } catch (error) {
    if (error instanceof RagspaceError) return error.message;
    throw error;
  }
  if (options.directory) return requireDirectory('--directory', options.directory);
  const problem = await requireDirectory('--beir', options.beir!);
  if (problem) return problem;
  const corpus = await stat(path.join(options.beir!, 'corpus.jsonl')).catch(() => undefined);
  return corpus?.isFile() ? undefined : `--beir ${options.beir}: no corpus.jsonl in it (expected a BEIR dataset directory)`;
}

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
  const dependencies = { database: runtime.database, embedder: runtime.embedder, listeners };

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

export function registerIngestCommand(program: Command): void {
  program
    .command('ingest')
    .description('ingest a directory of documents (Markdown, text, HTML, PDF) or a BEIR corpus into a workspace')
    .requiredOption('--workspace-id <id|slug>', 'the workspace (id, slug, or org-slug/workspace-slug)')
    .option('--directory <dir>', 'a directory of documents; each file is a document whose source is its relative path')
    .option('--beir <dir>', 'a BEIR dataset directory; each corpus.jsonl line is a document whose source is its _id')
    .option('--glob <pattern>', `which files of --directory to read (default "${defaultGlob}")`)
    .option('--clean', "delete the workspace's documents first (only that workspace's)")
    .option('--chunk-size <tokens>', 'maximum chunk size in tokens (default 512)', parseWholeNumber)
    .option('--chunk-overlap <tokens>', 'tokens shared by neighbouring chunks of a long section (default 64)', parseWholeNumber)
    .option('--no-graph', 'do not update the knowledge graph')
    .option('--dry-run', 'read and chunk, report what would change, write nothing')
    .option('--json', 'print a JSON summary')
    .hook('preAction', async (command) => {
      const problem = await validateOptions(command.opts<IngestCommandOptions>());
      if (problem) command.error(`error: ${problem}`, { exitCode: 1, code: 'ragspace.invalidOptions' });
    })
    .action(
      runWithRuntime<IngestCommandOptions, []>(async (runtime, options) => {
        await runIngestCommand(runtime, options);
      }),
    );
}
