// The body of an ingestion worker thread (see ingestion-pool.ts). Errors a client should see
// (RagspaceError) cross the thread boundary as data, since structured cloning drops their class.
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { RagspaceError } from '../../errors.ts';
import { prepareContent, type ContentRequest, type PreparedContent } from '../prepare-content.ts';
import { createTokenCounter } from '../tokens.ts';

export interface ClientErrorData {
  code: string;
  statusCode: number;
  message: string;
  details?: unknown;
}

export type WorkerOutcome<T> = { ok: true; value: T } | { ok: false; error: ClientErrorData };

// One tokenizer (and its cache) per thread, built on the thread's first task.
let tokens: ReturnType<typeof createTokenCounter> | undefined;

export default async function prepare(request: ContentRequest): Promise<WorkerOutcome<PreparedContent>> {
  tokens ??= createTokenCounter();
  try {
    const value = await prepareContent(request, tokens);
    const outcome: WorkerOutcome<PreparedContent> = { ok: true, value };
    if (!value.vectors) return outcome;
    // The vectors' buffer moves to the caller instead of being copied.
    const buffer = value.vectors.buffer;
    return move({ [transferableSymbol]: [buffer], [valueSymbol]: outcome } as never) as unknown as WorkerOutcome<PreparedContent>;
  } catch (error) {
    if (!(error instanceof RagspaceError)) throw error;
    return { ok: false, error: { code: error.code, statusCode: error.statusCode, message: error.message, details: error.details } };
  }
}
