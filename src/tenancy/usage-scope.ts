// Attribution of nested model calls. A request (or a CLI command, or a chat turn) runs its work
// inside a usage scope; embedding calls and LLM graph extraction made anywhere beneath it (in the
// search service, the ingestion pipeline, the graph indexer) add their tokens to the scope through
// AsyncLocalStorage, without every service having to pass a meter along. When the work ends, the
// scope's totals become usage events: one row per (kind, model), however many calls were made.
import { AsyncLocalStorage } from 'node:async_hooks';
import { RagspaceError } from '../errors.ts';
import type { Embedder } from '../ingestion/embedders/embedder.ts';
import { isLocalEmbedder, sameAsLocalEmbedder } from '../ingestion/embedders/local-embedder.ts';
import type { UsageEvent } from './usage.ts';

interface ModelTotals {
  kind: 'embedding' | 'graph_extraction';
  model: string;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  embeddingTokens: number;
}

export class UsageScope {
  private readonly totals = new Map<string, ModelTotals>();

  private add(kind: ModelTotals['kind'], model: string, tokens: Partial<Omit<ModelTotals, 'kind' | 'model' | 'calls'>>): void {
    const key = `${kind}\u0000${model}`;
    const entry = this.totals.get(key) ?? { kind, model, calls: 0, inputTokens: 0, outputTokens: 0, embeddingTokens: 0 };
    entry.calls += 1;
    entry.inputTokens += tokens.inputTokens ?? 0;
    entry.outputTokens += tokens.outputTokens ?? 0;
    entry.embeddingTokens += tokens.embeddingTokens ?? 0;
    this.totals.set(key, entry);
  }

  noteEmbedding(model: string, tokens: number): void {
    this.add('embedding', model, { embeddingTokens: tokens });
  }

  noteGraphExtraction(model: string, inputTokens: number, outputTokens: number): void {
    this.add('graph_extraction', model, { inputTokens, outputTokens });
  }

  /** One event per (kind, model) used so far; `common` adds attribution (agent, request id, outcome). */
  events(common: Partial<UsageEvent> = {}): UsageEvent[] {
    return [...this.totals.values()].map((entry) => ({
      ...common,
      kind: entry.kind,
      model: entry.model,
      units: entry.calls,
      inputTokens: entry.inputTokens,
      outputTokens: entry.outputTokens,
      embeddingTokens: entry.embeddingTokens,
    }));
  }
}

const storage = new AsyncLocalStorage<UsageScope>();

/** Runs `work` with a fresh scope; nested scopes do not add to outer ones. */
export function runInUsageScope<T>(scope: UsageScope, work: () => Promise<T>): Promise<T> {
  return storage.run(scope, work);
}

/** The scope of the work in progress, if any (none: nothing is billed, as at first-start set-up). */
export function currentUsageScope(): UsageScope | undefined {
  return storage.getStore();
}

/** Rough token count (≈ 4 characters a token): the embedding APIs we call do not report theirs. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Tells the current usage scope (if any) that `model` embedded these texts. */
export function noteEmbeddedTexts(model: string, texts: readonly string[]): void {
  currentUsageScope()?.noteEmbedding(
    model,
    texts.reduce((sum, text) => sum + estimateTokens(text), 0),
  );
}

/**
 * The same embedder, telling the current usage scope how many tokens each call embedded. A local
 * embedder stays one (same settings), so ingestion still embeds on its worker threads and notes
 * those texts itself (ingestion/documents.ts).
 */
export function meterEmbeddings(embedder: Embedder): Embedder {
  const note = (texts: readonly string[]) => noteEmbeddedTexts(embedder.name, texts);
  const metered: Embedder = {
    name: embedder.name,
    dimensions: embedder.dimensions,
    async embedDocuments(texts) {
      const vectors = await embedder.embedDocuments(texts);
      note(texts);
      return vectors;
    },
    async embedQuery(text) {
      const vector = await embedder.embedQuery(text);
      note([text]);
      return vector;
    },
  };
  return isLocalEmbedder(embedder) ? sameAsLocalEmbedder(metered, embedder) : metered;
}

/** A usage row's outcome: "ok", or the error code a client was told. */
export function outcomeOf(error: unknown): string {
  return error instanceof RagspaceError ? error.code : 'error';
}

export interface MeteredOperation<T> {
  /** The operation's own event (kind, model, counts), from its result. */
  event: (result: T | undefined) => UsageEvent;
  requestId?: string | null;
}

/**
 * Runs `work` in a usage scope and records, whether it succeeds or fails, the operation's event
 * with its latency and outcome plus the embedding and extraction events of the calls beneath it.
 * Recording only queues (usage.ts): the caller never waits for the write.
 */
export async function meterOperation<T>(
  record: (event: UsageEvent) => void,
  operation: MeteredOperation<T>,
  work: () => Promise<T>,
): Promise<T> {
  const scope = new UsageScope();
  const started = performance.now();
  let result: T | undefined;
  let outcome = 'ok';
  try {
    result = await runInUsageScope(scope, work);
    return result;
  } catch (error) {
    outcome = outcomeOf(error);
    throw error;
  } finally {
    const common = { requestId: operation.requestId ?? null, outcome };
    record({ ...operation.event(result), ...common, latencyMs: performance.now() - started });
    for (const event of scope.events(common)) record(event);
  }
}
