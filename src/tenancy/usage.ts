// Usage events: one row per billable event (chat turn, search, ingestion, embedding calls, LLM
// graph extraction) with who caused it (workspace, API key, agent, end customer), what it used
// (tokens, documents, chunks, bytes), how it went (latency, outcome) and what it cost. The cost is
// computed by the statement that stores the row, from model_prices at that moment, so later price
// changes do not rewrite history.
//
// Chat turns write their row in the transaction that stores the answer. Everything else goes
// through a UsageRecorder: record() only appends to a buffer, and a background flush writes the
// rows in batches, one transaction per workspace, so a request never waits for its usage row.
// close() writes whatever is left (clean shutdown loses nothing).
import type { Database, Queryable } from '../db/database.ts';
import { withWorkspace } from '../db/workspace-scope.ts';
import type { Logger } from '../logger.ts';
import { systemClock, type Clock } from './clock.ts';
import type { WorkspaceContext } from './workspace-context.ts';

export const usageKinds = ['chat', 'search', 'ingestion', 'embedding', 'graph_extraction'] as const;
export type UsageKind = (typeof usageKinds)[number];

export interface UsageEvent {
  kind: UsageKind;
  apiKeyId?: string | null;
  customerId?: string | null;
  agentId?: string | null;
  /** The model (or embedder) whose price applies. */
  model?: string | null;
  inputTokens?: number;
  outputTokens?: number;
  embeddingTokens?: number;
  /** How many calls or operations the row stands for (embedding calls within one request, say). */
  units?: number;
  documents?: number;
  chunks?: number;
  bytes?: number;
  latencyMs?: number | null;
  /** "ok", or the error code the operation ended with. */
  outcome?: string;
  requestId?: string | null;
  occurredAt?: Date;
}

/** The event with the attribution of a WorkspaceContext (key and end customer) filled in. */
export function attributed(context: WorkspaceContext, event: UsageEvent): UsageEvent {
  return { apiKeyId: context.apiKeyId, customerId: context.customerId, ...event };
}

function toRow(event: UsageEvent, now: Date) {
  const whole = (value: number | undefined) => Math.max(0, Math.round(value ?? 0));
  return {
    api_key_id: event.apiKeyId ?? null,
    customer_id: event.customerId ?? null,
    agent_id: event.agentId ?? null,
    kind: event.kind,
    model: event.model ?? null,
    input_tokens: whole(event.inputTokens),
    output_tokens: whole(event.outputTokens),
    embedding_tokens: whole(event.embeddingTokens),
    units: event.units === undefined ? 1 : whole(event.units),
    documents: whole(event.documents),
    chunks: whole(event.chunks),
    bytes: whole(event.bytes),
    latency_ms: event.latencyMs === undefined || event.latencyMs === null ? null : whole(event.latencyMs),
    outcome: event.outcome ?? 'ok',
    request_id: event.requestId ?? null,
    created_at: (event.occurredAt ?? now).toISOString(),
  };
}

/** Stores events of one workspace in an open workspace transaction, costed from model_prices. One statement. */
export async function insertUsageEvents(transaction: Queryable, workspaceId: string, events: readonly UsageEvent[], now = new Date()): Promise<void> {
  if (events.length === 0) return;
  await transaction.query(
    `INSERT INTO usage_events (workspace_id, api_key_id, customer_id, agent_id, kind, model, input_tokens, output_tokens,
                               embedding_tokens, units, documents, chunks, bytes, latency_ms, outcome, request_id, created_at, cost_usd)
     SELECT $1, e.api_key_id, e.customer_id, e.agent_id, e.kind, e.model, e.input_tokens, e.output_tokens,
            e.embedding_tokens, e.units, e.documents, e.chunks, e.bytes, e.latency_ms, e.outcome, e.request_id, e.created_at,
            (e.input_tokens * coalesce(p.input_per_million, 0) + e.output_tokens * coalesce(p.output_per_million, 0)
             + e.embedding_tokens * coalesce(p.embedding_per_million, 0)) / 1000000
     FROM jsonb_to_recordset($2::jsonb) AS e(api_key_id uuid, customer_id text, agent_id uuid, kind text, model text,
            input_tokens integer, output_tokens integer, embedding_tokens bigint, units integer, documents integer, chunks integer,
            bytes bigint, latency_ms integer, outcome text, request_id text, created_at timestamptz)
     LEFT JOIN model_prices p ON p.model = e.model`,
    [workspaceId, JSON.stringify(events.map((event) => toRow(event, now)))],
  );
}

export interface UsageRecorder {
  /** Queues an event of the context's workspace; never waits and never throws. */
  record(context: WorkspaceContext, event: UsageEvent): void;
  /** Writes everything queued so far. */
  flush(): Promise<void>;
  /** Writes everything queued and stops the timer; events recorded afterwards are written at once. */
  close(): Promise<void>;
}

export interface UsageRecorderOptions {
  logger?: Pick<Logger, 'warn' | 'error'>;
  clock?: Clock;
  /** How long an event may wait in the buffer (default 250 ms). */
  flushIntervalMs?: number;
  /** A buffer this long is written at once (default 500). */
  maxBuffered?: number;
  /** Attempts per batch before its rows are given up and logged (default 3). */
  maxAttempts?: number;
}

interface Pending {
  workspaceId: string;
  event: UsageEvent;
  attempts: number;
}

export function createUsageRecorder(database: Database, options: UsageRecorderOptions = {}): UsageRecorder {
  const clock = options.clock ?? systemClock;
  const flushIntervalMs = options.flushIntervalMs ?? 250;
  const maxBuffered = options.maxBuffered ?? 500;
  const maxAttempts = options.maxAttempts ?? 3;
  let buffer: Pending[] = [];
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();
  let closed = false;

  async function writeBatch(batch: Pending[]): Promise<void> {
    const byWorkspace = new Map<string, Pending[]>();
    for (const pending of batch) byWorkspace.set(pending.workspaceId, [...(byWorkspace.get(pending.workspaceId) ?? []), pending]);
    for (const [workspaceId, items] of byWorkspace) {
      try {
        await withWorkspace(database, { workspaceId }, (transaction) =>
          insertUsageEvents(
            transaction,
            workspaceId,
            items.map((item) => item.event),
          ),
        );
      } catch (error) {
        const retry = items.filter((item) => item.attempts + 1 < maxAttempts).map((item) => ({ ...item, attempts: item.attempts + 1 }));
        const lost = items.length - retry.length;
        if (lost > 0) options.logger?.error({ err: error, workspaceId, lost }, 'usage events could not be stored and were dropped');
        else options.logger?.warn({ err: error, workspaceId, retrying: retry.length }, 'storing usage events failed; retrying');
        buffer.unshift(...retry);
        if (retry.length > 0) schedule();
      }
    }
  }

  function drain(): Promise<void> {
    // One write at a time, in order: a flush waits for the one before it.
    writing = writing.then(async () => {
      while (buffer.length > 0) {
        const batch = buffer;
        buffer = [];
        await writeBatch(batch);
        if (!closed) break;
      }
    });
    return writing;
  }

  function schedule(): void {
    if (timer || closed) return;
    timer = setTimeout(() => {
      timer = undefined;
      void drain();
    }, flushIntervalMs);
    // Buffered usage must not keep a finished CLI command alive; close() writes it.
    timer.unref();
  }

  return {
    record(context, event) {
      buffer.push({ workspaceId: context.workspaceId, event: { ...attributed(context, event), occurredAt: event.occurredAt ?? clock() }, attempts: 0 });
      if (closed || buffer.length >= maxBuffered) void drain();
      else schedule();
    },
    flush: drain,
    async close() {
      closed = true;
      clearTimeout(timer);
      timer = undefined;
      await drain();
    },
  };
}
