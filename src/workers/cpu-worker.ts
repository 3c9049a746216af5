// The body of a CPU worker thread (see cpu-pool.ts): one exported function per task. Errors a
// client should see (RagspaceError) cross the thread boundary as data, since structured cloning
// drops their class.
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { RagspaceError } from '../errors.ts';
import type { ExtractionInput, ExtractionResult, GraphExtractor } from '../graph/extraction/extractor.ts';
import { createOfflineExtractor } from '../graph/extraction/offline-extractor.ts';
import { prepareContent, type ContentRequest, type PreparedContent } from '../ingestion/prepare-content.ts';
import { createTokenCounter, type TokenCounter } from '../ingestion/tokens.ts';

export interface ClientErrorData {
  code: string;
  statusCode: number;
  message: string;
  details?: unknown;
}

export type WorkerOutcome<T> = { ok: true; value: T } | { ok: false; error: ClientErrorData };

// Built on a thread's first task of each kind and kept: the tokenizer's cache, compromise's lexicon.
let tokens: TokenCounter | undefined;
let extractor: GraphExtractor | undefined;

async function outcomeOf<T>(work: () => Promise<T>): Promise<WorkerOutcome<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    if (!(error instanceof RagspaceError)) throw error;
    return { ok: false, error: { code: error.code, statusCode: error.statusCode, message: error.message, details: error.details } };
  }
}

/** prepareContent on this thread; the packed vectors move to the caller instead of being copied. */
export async function prepare(request: ContentRequest): Promise<WorkerOutcome<PreparedContent>> {
  tokens ??= createTokenCounter();
  const outcome = await outcomeOf(() => prepareContent(request, tokens!));
  if (!outcome.ok || !outcome.value.vectors) return outcome;
  const buffer = outcome.value.vectors.buffer;
  return move({ [transferableSymbol]: [buffer], [valueSymbol]: outcome } as never) as unknown as WorkerOutcome<PreparedContent>;
}

/** The offline knowledge-graph extraction (compromise) of one document. */
export async function extractGraph(input: ExtractionInput): Promise<WorkerOutcome<ExtractionResult>> {
  extractor ??= createOfflineExtractor();
  return outcomeOf(() => extractor!.extract(input));
}

export type CpuTask = { kind: 'prepare'; input: ContentRequest } | { kind: 'extractGraph'; input: ExtractionInput };

/** What the pool calls with each task. */
export default function run(task: CpuTask): Promise<unknown> {
  return task.kind === 'prepare' ? prepare(task.input) : extractGraph(task.input);
}
