// Plan quotas, counted in the database so that every server process agrees and concurrent
// requests cannot overshoot: "with L left and N > L concurrent requests, exactly L succeed".
//
// Period quotas (requests per month, chat messages per day, LLM tokens per month) are counters
// per UTC period, incremented by one conditional upsert: the row lock it takes makes concurrent
// increments see each other, and a new period is simply a new row (no job resets anything).
// Resource quotas (documents, storage, agents, API keys) are gauges that triggers keep exact
// (sql/120_metering.sql); a writer checks its gauge after its write, inside its transaction.
// Limits come from ragspace_workspace_limit(), the plan merged with the workspace's overrides.
import type { Database, Queryable } from '../db/database.ts';
import { withWorkspace } from '../db/workspace-scope.ts';
import { quotaExceeded, storageQuotaExceeded, type RagspaceError } from '../errors.ts';
import { limitNames, type LimitName } from './plans.ts';
import type { WorkspaceContext } from './workspace-context.ts';

export const periodQuotas = {
  requestsPerMonth: 'month',
  chatMessagesPerDay: 'day',
  llmTokensPerMonth: 'month',
} as const satisfies Partial<Record<LimitName, 'month' | 'day'>>;
export type PeriodQuota = keyof typeof periodQuotas;

/** Gauge columns of workspace_resource_usage. */
const resourceColumns = {
  documents: 'documents',
  storageBytes: 'storage_bytes',
  agents: 'agents',
  apiKeys: 'api_keys',
} as const satisfies Partial<Record<LimitName, string>>;
export type ResourceQuota = keyof typeof resourceColumns;

export interface Period {
  start: Date;
  /** The next period's start: when the counter resets. */
  end: Date;
}

/** The UTC month or day that `now` falls in for a period quota. */
export function periodOf(quota: PeriodQuota, now: Date): Period {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  if (periodQuotas[quota] === 'month') return { start: new Date(Date.UTC(year, month, 1)), end: new Date(Date.UTC(year, month + 1, 1)) };
  const day = now.getUTCDate();
  return { start: new Date(Date.UTC(year, month, day)), end: new Date(Date.UTC(year, month, day + 1)) };
}

export interface QuotaDetails {
  quota: LimitName;
  limit: number;
  used: number;
  /** When the counter starts again from zero; null for resource quotas, which only free up. */
  resetsAt: string | null;
}

/** The refusal for a quota: 413 storage_quota_exceeded for storage, 429 quota_exceeded for the rest. */
export function quotaRefusal(details: QuotaDetails): RagspaceError {
  const when = details.resetsAt ? `; it resets at ${details.resetsAt}` : '';
  const message = `This workspace has used ${details.used} of its ${details.limit} ${describeQuota(details.quota)}${when}`;
  return details.quota === 'storageBytes' ? storageQuotaExceeded(message, details) : quotaExceeded(message, details);
}

function describeQuota(quota: LimitName): string {
  const descriptions: Record<LimitName, string> = {
    requestsPerMinute: 'requests per minute',
    requestsPerMonth: 'requests this month (requestsPerMonth)',
    chatMessagesPerDay: 'chat messages today (chatMessagesPerDay)',
    llmTokensPerMonth: 'LLM tokens this month (llmTokensPerMonth)',
    storageBytes: 'bytes of storage (storageBytes)',
    documents: 'documents (documents)',
    agents: 'agents (agents)',
    apiKeys: 'active API keys (apiKeys)',
    concurrentIngestionJobs: 'concurrent ingestion jobs (concurrentIngestionJobs)',
    concurrentChatStreams: 'concurrent chat streams (concurrentChatStreams)',
  };
  return descriptions[quota];
}

/** pg returns bigint as text; PGlite as a number. */
function toCount(value: unknown): number {
  return value === null || value === undefined ? 0 : Number(value);
}

function toLimit(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

export interface Consumption {
  quota: PeriodQuota;
  periodStart: Date;
  amount: number;
}

/** A consumption with the counter it left: what is used of the period, and the limit (null: none). */
export interface CountedConsumption extends Consumption {
  used: number;
  limit: number | null;
}

/**
 * Adds `amount` to this period's counter if the result stays within the workspace's limit;
 * otherwise changes nothing and throws quota_exceeded. Unlimited quotas are counted too.
 */
export async function consumePeriodQuota(
  transaction: Queryable,
  workspaceId: string,
  quota: PeriodQuota,
  amount: number,
  now: Date,
): Promise<CountedConsumption> {
  const period = periodOf(quota, now);
  const { rows } = await transaction.query<{ used: unknown; limit: unknown }>(
    `INSERT INTO quota_counters AS q (workspace_id, quota, period_start, used)
     SELECT $1, $2, $3, $4
     WHERE coalesce($4 <= ragspace_workspace_limit($2), true)
     ON CONFLICT (workspace_id, quota, period_start) DO UPDATE SET used = q.used + excluded.used
       WHERE coalesce(q.used + excluded.used <= ragspace_workspace_limit($2), true)
     RETURNING q.used, ragspace_workspace_limit($2) AS "limit"`,
    [workspaceId, quota, period.start, amount],
  );
  if (rows.length === 1) return { quota, periodStart: period.start, amount, used: toCount(rows[0]!.used), limit: toLimit(rows[0]!.limit) };
  const { rows: current } = await transaction.query<{ used: unknown; limit: unknown }>(
    `SELECT coalesce((SELECT used FROM quota_counters WHERE workspace_id = $1 AND quota = $2 AND period_start = $3), 0) AS used,
            ragspace_workspace_limit($2) AS "limit"`,
    [workspaceId, quota, period.start],
  );
  throw quotaRefusal({
    quota,
    limit: toLimit(current[0]?.limit) ?? 0,
    used: toCount(current[0]?.used),
    resetsAt: period.end.toISOString(),
  });
}

/**
 * Corrects a consumption once the real amount is known (a chat turn's tokens): the counter of the
 * period that was charged moves by `actual - reserved`, unconditionally, so it may pass the limit
 * by what the turn used beyond its reservation.
 */
export async function settleConsumption(transaction: Queryable, workspaceId: string, consumption: Consumption, actual: number): Promise<void> {
  const delta = actual - consumption.amount;
  if (delta === 0) return;
  await transaction.query(
    `UPDATE quota_counters SET used = greatest(used + $4, 0)
     WHERE workspace_id = $1 AND quota = $2 AND period_start = $3`,
    [workspaceId, consumption.quota, consumption.periodStart, delta],
  );
}

/**
 * Inside a writing transaction, after its write: throws (so the transaction rolls back) if the
 * workspace's gauge now exceeds its limit. The triggers that moved the gauge hold its row until
 * commit, so concurrent writers are checked one after another against each other's results.
 * `added` is what this write added, to report the usage without it.
 */
export async function assertWithinResourceQuota(transaction: Queryable, workspaceId: string, quota: ResourceQuota, added: number): Promise<void> {
  refuseOverLimit(quota, await readGauge(transaction, workspaceId, quota), added);
}

type Gauge = { used: number; limit: number | null };

/** Throws when a write has taken the gauge past its limit; `added` is what the write added. */
function refuseOverLimit(quota: ResourceQuota, { used, limit }: Gauge, added: number): void {
  if (limit !== null && used > limit) throw quotaRefusal({ quota, limit, used: Math.max(used - added, 0), resetsAt: null });
}

/**
 * Gauges with their limits in one statement, in the order asked, after `extra` columns (which
 * may use $1, the workspace). A workspace without a usage row (deleted) has none used and no limit.
 */
async function readGauges<Extra extends Record<string, unknown>>(
  transaction: Queryable,
  workspaceId: string,
  quotas: readonly ResourceQuota[],
  extra: { columns: string; parameters: unknown[] } = { columns: '', parameters: [] },
): Promise<{ gauges: Gauge[]; extra: Partial<Extra> }> {
  const first = 2 + extra.parameters.length;
  const columns = quotas.map((quota, index) => `${resourceColumns[quota]} AS used_${index}, ragspace_workspace_limit($${first + index}) AS limit_${index}`);
  const { rows } = await transaction.query<Record<string, unknown>>(
    `SELECT ${[extra.columns, ...columns].filter(Boolean).join(', ')} FROM workspace_resource_usage WHERE workspace_id = $1`,
    [workspaceId, ...extra.parameters, ...quotas],
  );
  const row = rows[0] ?? {};
  return { gauges: quotas.map((_, index) => ({ used: toCount(row[`used_${index}`]), limit: toLimit(row[`limit_${index}`]) })), extra: row as Partial<Extra> };
}

async function readGauge(transaction: Queryable, workspaceId: string, quota: ResourceQuota): Promise<Gauge> {
  return (await readGauges(transaction, workspaceId, [quota])).gauges[0]!;
}

/** Work a service runs inside its writing transaction, after the write; throwing rolls the write back. */
export type WriteGuard = (transaction: Queryable, workspaceId: string) => Promise<void>;

/** The guard of a resource quota, for a write that adds `added` to its gauge. */
export function resourceQuotaGuard(quota: ResourceQuota, added = 1): WriteGuard {
  return (transaction, workspaceId) => assertWithinResourceQuota(transaction, workspaceId, quota, added);
}

/**
 * The guard of a document write (ingestion's storeGuard): a new document must fit the documents
 * quota, and the workspace's stored text the storage quota.
 */
export async function assertDocumentWithinQuotas(
  transaction: Queryable,
  stored: { workspaceId: string; documentId: string; created: boolean },
): Promise<void> {
  const [documents, { used, limit }] = (await readGauges(transaction, stored.workspaceId, ['documents', 'storageBytes'])).gauges as [Gauge, Gauge];
  if (stored.created) refuseOverLimit('documents', documents, 1);
  if (limit === null || used <= limit) return;
  // Refused: what this version stores, to report the usage without it.
  const { rows } = await transaction.query<{ bytes: unknown }>(
    'SELECT coalesce(sum(octet_length(content)), 0) AS bytes FROM chunks WHERE workspace_id = $1 AND document_id = $2',
    [stored.workspaceId, stored.documentId],
  );
  throw quotaRefusal({ quota: 'storageBytes', limit, used: Math.max(used - toCount(rows[0]?.bytes), 0), resetsAt: null });
}

/**
 * Before an upload's work: refuses a new document when the documents quota is full, and any
 * upload when the storage quota is. A replaced source needs no new document slot.
 */
export async function checkDocumentRoom(database: Database, context: WorkspaceContext, source: string): Promise<void> {
  const { gauges, extra } = await withWorkspace(database, context, (transaction) =>
    readGauges<{ exists: boolean }>(transaction, context.workspaceId, ['documents', 'storageBytes'], {
      columns: 'EXISTS (SELECT 1 FROM documents WHERE workspace_id = $1 AND source = $2) AS exists',
      parameters: [source],
    }),
  );
  const [documents, storage] = gauges as [Gauge, Gauge];
  const exists = extra.exists === true;
  if (!exists && documents.limit !== null && documents.used >= documents.limit) {
    throw quotaRefusal({ quota: 'documents', limit: documents.limit, used: documents.used, resetsAt: null });
  }
  if (storage.limit !== null && storage.used >= storage.limit) {
    throw quotaRefusal({ quota: 'storageBytes', limit: storage.limit, used: storage.used, resetsAt: null });
  }
}

export interface QuotaStatus {
  quota: LimitName;
  /** null: unlimited. */
  limit: number | null;
  /** null: counted outside this module (per-minute rate limits, ingestion job leases). */
  used: number | null;
  /** null when unlimited or not counted here. */
  left: number | null;
  resetsAt: string | null;
}

/** Every limit of the workspace with what is used and left, as of `now`. One transaction. */
export function readQuotaStatus(database: Database, context: WorkspaceContext, now: Date): Promise<QuotaStatus[]> {
  return withWorkspace(database, context, async (transaction) => {
    const { rows } = await transaction.query<{ quota: LimitName; limit: unknown }>(
      'SELECT name AS quota, ragspace_workspace_limit(name) AS "limit" FROM unnest($1::text[]) AS name',
      [limitNames],
    );
    const limits = new Map(rows.map((row) => [row.quota, toLimit(row.limit)]));
    const periods = Object.keys(periodQuotas).map((quota) => ({ quota: quota as PeriodQuota, ...periodOf(quota as PeriodQuota, now) }));
    const { rows: counters } = await transaction.query<{ quota: PeriodQuota; used: unknown }>(
      `SELECT c.quota, c.used FROM quota_counters c
       JOIN unnest($2::text[], $3::timestamptz[]) AS p(quota, period_start) ON p.quota = c.quota AND p.period_start = c.period_start
       WHERE c.workspace_id = $1`,
      [context.workspaceId, periods.map((period) => period.quota), periods.map((period) => period.start)],
    );
    const { rows: gauges } = await transaction.query<Record<string, unknown>>(
      `SELECT documents, storage_bytes, agents, api_keys,
              (SELECT count(*) FROM chat_turn_leases WHERE workspace_id = $1 AND expires_at > $2) AS streams
       FROM workspace_resource_usage WHERE workspace_id = $1`,
      [context.workspaceId, now],
    );
    const gauge = gauges[0] ?? {};
    const used = new Map<LimitName, number>([
      ...counters.map((counter) => [counter.quota, toCount(counter.used)] as [LimitName, number]),
      ...Object.entries(resourceColumns).map(([quota, column]) => [quota, toCount(gauge[column])] as [LimitName, number]),
      ['concurrentChatStreams', toCount(gauge.streams)],
    ]);
    return limitNames.map((quota) => {
      const limit = limits.get(quota) ?? null;
      const period = periods.find((candidate) => candidate.quota === quota);
      const counted = period !== undefined || quota in resourceColumns || quota === 'concurrentChatStreams';
      const usedNow = counted ? (used.get(quota) ?? 0) : null;
      return {
        quota,
        limit,
        used: usedNow,
        left: limit === null || usedNow === null ? null : Math.max(limit - usedNow, 0),
        resetsAt: period ? period.end.toISOString() : null,
      };
    });
  });
}
