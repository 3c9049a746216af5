// Ingests many documents (a directory, a BEIR corpus, the sample corpora) and reports on each:
// a document that cannot be read or stored is recorded as failed and the run goes on.
import { RagspaceError } from '../errors.ts';
import type { WorkspaceContext } from '../tenancy/workspace-context.ts';
import { ingestDocument, previewDocument, type IngestionDependencies, type IngestOptions, type IngestStatus } from './documents.ts';
import type { IngestItem } from './sources/ingest-item.ts';

export type ItemStatus = IngestStatus | 'failed' | 'would-create' | 'would-update' | 'would-skip';

export interface ItemResult {
  source: string;
  status: ItemStatus;
  documentId?: string;
  chunkCount: number;
  error?: { code: string; message: string };
}

export interface IngestRunSummary {
  documents: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  /** Chunks written (or, in a dry run, that would be written). */
  chunks: number;
  seconds: number;
  chunksPerSecond: number;
  dryRun: boolean;
  results: ItemResult[];
}

export interface IngestRunOptions extends IngestOptions {
  dryRun?: boolean;
  /** Documents in flight at once: one embeds while another is written. */
  concurrency?: number;
  onResult?: (result: ItemResult, totals: { documents: number; chunks: number }) => void;
}

function describeError(error: unknown): { code: string; message: string } {
  if (error instanceof RagspaceError) return { code: error.code, message: error.message };
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return { code: typeof code === 'string' ? code : 'failed', message: error instanceof Error ? error.message : String(error) };
}

async function ingestItem(
  dependencies: IngestionDependencies,
  context: WorkspaceContext,
  item: IngestItem,
  options: IngestRunOptions,
): Promise<ItemResult> {
  try {
    const input = await item.read();
    if (options.dryRun) {
      const preview = await previewDocument(dependencies, context, input, options);
      const status = preview.status === 'create' ? 'would-create' : preview.status === 'update' ? 'would-update' : 'would-skip';
      return { source: item.source, status, chunkCount: preview.chunkCount };
    }
    const result = await ingestDocument(dependencies, context, input, options);
    return { source: item.source, status: result.status, documentId: result.document.id, chunkCount: result.chunkCount };
  } catch (error) {
    return { source: item.source, status: 'failed', chunkCount: 0, error: describeError(error) };
  }
}

export async function runIngestion(
  dependencies: IngestionDependencies,
  context: WorkspaceContext,
  items: Iterable<IngestItem> | AsyncIterable<IngestItem>,
  options: IngestRunOptions = {},
): Promise<IngestRunSummary> {
  const started = performance.now();
  const results: ItemResult[] = [];
  let chunks = 0;
  const iterator = (Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : items[Symbol.iterator]()) as
    | AsyncIterator<IngestItem>
    | Iterator<IngestItem>;
  // Workers share one iterator; each pulls the next document when it is done with its own.
  const worker = async () => {
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      const result = await ingestItem(dependencies, context, next.value, options);
      results.push(result);
      if (result.status !== 'unchanged' && result.status !== 'would-skip') chunks += result.chunkCount;
      options.onResult?.(result, { documents: results.length, chunks });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 2) }, worker));
  const seconds = (performance.now() - started) / 1000;
  const count = (...statuses: ItemStatus[]) => results.filter((result) => statuses.includes(result.status)).length;
  return {
    documents: results.length,
    created: count('created', 'would-create'),
    updated: count('updated', 'would-update'),
    unchanged: count('unchanged', 'would-skip'),
    failed: count('failed'),
    chunks,
    seconds,
    chunksPerSecond: seconds > 0 ? chunks / seconds : 0,
    dryRun: Boolean(options.dryRun),
    results,
  };
}
