// The ingestion job queue in PostgreSQL (sql/300_ingestion_jobs.sql): enqueue an upload, read its
// status, and the worker's side — claim fairly across workspaces under each workspace's
// concurrent-job limit, renew and finish under a lease, return crashed jobs to the queue.
//
// Times come from the caller's clock (`now`), not the database's, so tests can move it; every
// process on one database should share a clock to within a small fraction of the lease.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Database, Queryable } from '../db/database.ts';
import { isUuid, withControlPlane, withWorkspace } from '../db/workspace-scope.ts';
import { ingestionQueueFull, notFound, quotaExceeded, validationError } from '../errors.ts';
import type { DocumentInput, IngestOptions, IngestStatus } from '../ingestion/documents.ts';
import { findEffectiveLimits } from '../tenancy/plans.ts';
import { createWorkspaceContext, type WorkspaceContext } from '../tenancy/workspace-context.ts';
import { packJobContent, unpackJobContent, type JobContentEncoding } from './job-content.ts';

export type IngestionJobStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export interface IngestionJobResult {
  documentId: string;
  status: IngestStatus;
  chunkCount: number;
}

export interface JobError {
  code: string;
  message: string;
}

/** A job as clients see it. */
export interface IngestionJob {
  id: string;
  workspaceId: string;
  source: string;
  sizeBytes: number;
  status: IngestionJobStatus;
  attempts: number;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  result: IngestionJobResult | null;
  error: JobError | null;
}

/** An accepted upload: what ingestDocument will be called with. */
export interface JobUpload {
  input: DocumentInput;
  options: IngestOptions;
  sizeBytes: number;
  /** How the upload is metered when it runs (ingestion/metered-ingestion.ts); absent: no quotas. */
  metering?: JobMetering;
}

export interface JobMetering {
  /** The uploader is bound by the workspace's plan. */
  quotas: boolean;
  /** The HTTP request that brought the upload, for its usage row. */
  requestId: string | null;
}

/** How much a workspace may have waiting; beyond it, uploads get 429 ingestion_queue_full. */
export interface QueueBounds {
  maximumWaitingJobs: number;
  maximumWaitingBytes: number;
}

/** A job a worker holds: its lease token proves it, and the upload to ingest. */
export interface ClaimedJob {
  job: IngestionJob;
  leaseToken: string;
  context: WorkspaceContext;
  upload: Omit<JobUpload, 'sizeBytes'>;
}

export interface LeaseSettings {
  leaseMs: number;
  /** Claims at most (crashes included); a job claimed this often and still unfinished fails. */
  maximumAttempts: number;
}

/** The stored request: everything but the bytes, and who asked. */
interface StoredRequest {
  title?: string;
  contentType?: string;
  metadata?: Record<string, unknown>;
  /** The content arrived as text (JSON upload) rather than bytes (a file). */
  text: boolean;
  options: IngestOptions;
  apiKeyId: string | null;
  customerId: string | null;
  metering?: JobMetering;
}

const jobColumns = `j.id, j.workspace_id AS "workspaceId", j.source, j.size_bytes::float8 AS "sizeBytes", j.status, j.attempts,
  j.created_at AS "createdAt", j.started_at AS "startedAt", j.finished_at AS "finishedAt", j.result, j.error`;

// Separates enqueue locks from any other advisory lock (the migrations use 727_274_701).
const enqueueLockClass = 727_274_730;

function addMilliseconds(date: Date, milliseconds: number): Date {
  return new Date(date.getTime() + milliseconds);
}

/**
 * Queues an upload. A workspace's waiting jobs are bounded (counted under a per-workspace lock, so
 * concurrent uploads cannot overshoot); one workspace's backlog never refuses another's upload.
 */
export async function enqueueIngestionJob(
  database: Database,
  context: WorkspaceContext,
  upload: JobUpload,
  bounds: QueueBounds,
  now: Date = new Date(),
): Promise<IngestionJob> {
  const limits = await withControlPlane(database, (transaction) => findEffectiveLimits(transaction, context.workspaceId));
  if (limits.limits.concurrentIngestionJobs === 0) {
    throw quotaExceeded("This workspace's plan runs no background ingestion jobs; upload smaller documents without ?async=true", {
      quota: 'concurrentIngestionJobs',
      limit: 0,
      used: 0,
      resetsAt: null,
    });
  }
  const { input, options, sizeBytes } = upload;
  const text = typeof input.content === 'string';
  const stored = await packJobContent(text ? Buffer.from(input.content as string, 'utf8') : (input.content as Uint8Array));
  const request: StoredRequest = {
    title: input.title,
    contentType: input.contentType,
    metadata: input.metadata,
    text,
    options,
    apiKeyId: context.apiKeyId,
    customerId: context.customerId,
    metering: upload.metering,
  };
  return withWorkspace(database, context, async (transaction) => {
    await transaction.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [enqueueLockClass, context.workspaceId]);
    const { rows: waiting } = await transaction.query<{ jobs: number; bytes: number }>(
      `SELECT count(*)::integer AS jobs, coalesce(sum(size_bytes), 0)::float8 AS bytes
       FROM ingestion_jobs WHERE workspace_id = $1 AND status = 'queued'`,
      [context.workspaceId],
    );
    const { jobs, bytes } = waiting[0]!;
    if (jobs + 1 > bounds.maximumWaitingJobs || bytes + sizeBytes > bounds.maximumWaitingBytes) {
      throw ingestionQueueFull(
        `This workspace has ${jobs} uploads (${bytes} bytes) waiting to be ingested, the most it may; retry when some have finished`,
        { waitingJobs: jobs, waitingBytes: bytes, maximumWaitingJobs: bounds.maximumWaitingJobs, maximumWaitingBytes: bounds.maximumWaitingBytes },
      );
    }
    const { rows } = await transaction.query<IngestionJob>(
      `INSERT INTO ingestion_jobs AS j (workspace_id, id, source, size_bytes, request, content, content_encoding, created_at, run_after)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING ${jobColumns}`,
      [context.workspaceId, randomUUID(), input.source, sizeBytes, request, stored.content, stored.encoding, now],
    );
    return rows[0]!;
  });
}

/** A job of this workspace; another workspace's job id is not found either. */
export async function getIngestionJob(database: Database, context: WorkspaceContext, jobId: string): Promise<IngestionJob> {
  if (!isUuid(jobId)) throw validationError(`Job id "${jobId}" is not a UUID`);
  const job = await withWorkspace(database, context, async (transaction) => {
    const { rows } = await transaction.query<IngestionJob>(`SELECT ${jobColumns} FROM ingestion_jobs j WHERE j.workspace_id = $1 AND j.id = $2`, [
      context.workspaceId,
      jobId,
    ]);
    return rows[0];
  });
  if (!job) throw notFound(`Ingestion job ${jobId} not found in this workspace`);
  return job;
}

/**
 * Returns running jobs whose lease has expired (their process died or hung) to the queue, or
 * fails them once they have been claimed `maximumAttempts` times (a job that kills its worker
 * must not kill every worker in turn).
 */
async function releaseExpiredLeases(transaction: Queryable, settings: LeaseSettings, now: Date): Promise<void> {
  await transaction.query(
    `UPDATE ingestion_jobs j
     SET status = CASE WHEN j.attempts >= $2 THEN 'failed' ELSE 'queued' END,
         lease_token = NULL, lease_expires_at = NULL,
         content = CASE WHEN j.attempts >= $2 THEN NULL ELSE j.content END,
         finished_at = CASE WHEN j.attempts >= $2 THEN $1::timestamptz END,
         error = CASE WHEN j.attempts >= $2
           THEN jsonb_build_object('code', 'job_abandoned', 'message',
                  'The job was interrupted ' || j.attempts || ' times (its server process stopped); upload the document again')
           ELSE j.error END
     FROM (SELECT workspace_id, id FROM ingestion_jobs
           WHERE status = 'running' AND lease_expires_at <= $1
           FOR UPDATE SKIP LOCKED) expired
     WHERE j.workspace_id = expired.workspace_id AND j.id = expired.id`,
    [now, settings.maximumAttempts],
  );
}

/**
 * The workspaces with a job ready to run, fairest first: those running the fewest jobs, then the
 * one served least recently (round robin), then the one whose oldest waiting job is oldest. A
 * workspace with twenty uploads waiting thus takes turns with the others instead of going first
 * twenty times, and another workspace's single upload waits for at most one of them per slot.
 */
async function candidateWorkspaces(transaction: Queryable, now: Date): Promise<string[]> {
  const { rows } = await transaction.query<{ workspaceId: string }>(
    `WITH heads AS (
       SELECT DISTINCT ON (workspace_id) workspace_id, created_at, id
       FROM ingestion_jobs WHERE status = 'queued' AND run_after <= $1
       ORDER BY workspace_id, created_at, id
     )
     SELECT h.workspace_id AS "workspaceId"
     FROM heads h
     CROSS JOIN LATERAL (
       SELECT count(*) AS running FROM ingestion_jobs j WHERE j.workspace_id = h.workspace_id AND j.status = 'running'
     ) busy
     LEFT JOIN LATERAL (
       SELECT j.started_at AS last_started FROM ingestion_jobs j
       WHERE j.workspace_id = h.workspace_id AND j.started_at IS NOT NULL
       ORDER BY j.started_at DESC LIMIT 1
     ) served ON true
     ORDER BY busy.running, served.last_started NULLS FIRST, h.created_at, h.id
     LIMIT 100`,
    [now],
  );
  return rows.map((row) => row.workspaceId);
}

/** A claim attempt found a workspace with waiting jobs that another claimer was holding. */
const contended = Symbol('contended');

/** A job this worker has leased, before its bytes are read. */
type LeasedJob = Omit<ClaimedJob, 'upload'> & { request: StoredRequest };

/**
 * One claim attempt, one transaction as the control plane: expired leases go back to the queue,
 * then each candidate workspace in fairness order is locked (so its running count cannot go stale
 * between reading and claiming) and given a job if it runs fewer than its plan allows. A workspace
 * another claimer holds is skipped, never waited for: waiting on one while holding another could deadlock.
 * The upload's bytes are not read here: this transaction locks workspaces, and on the embedded
 * database holds it for every tenant.
 */
async function attemptClaim(database: Database, settings: LeaseSettings, now: Date): Promise<LeasedJob | null | typeof contended> {
  return withControlPlane(database, async (transaction) => {
    await releaseExpiredLeases(transaction, settings, now);
    let skipped = false;
    for (const workspaceId of await candidateWorkspaces(transaction, now)) {
      const { rows: locked } = await transaction.query('SELECT 1 FROM workspaces WHERE id = $1 FOR NO KEY UPDATE SKIP LOCKED', [workspaceId]);
      if (locked.length === 0) {
        skipped = true;
        continue;
      }
      const limits = await findEffectiveLimits(transaction, workspaceId);
      // A suspended tenant's uploads wait, kept, until it is reactivated.
      if (limits.organizationStatus !== 'active' || limits.workspaceStatus !== 'active') continue;
      const { rows: counted } = await transaction.query<{ running: number }>(
        `SELECT count(*)::integer AS running FROM ingestion_jobs WHERE workspace_id = $1 AND status = 'running'`,
        [workspaceId],
      );
      const limit = limits.limits.concurrentIngestionJobs;
      if (limit !== null && counted[0]!.running >= limit) continue;
      const leaseToken = randomUUID();
      const { rows } = await transaction.query<IngestionJob & { request: StoredRequest }>(
        `UPDATE ingestion_jobs j
         SET status = 'running', attempts = j.attempts + 1, lease_token = $2, lease_expires_at = $3,
             started_at = coalesce(j.started_at, $4)
         FROM (SELECT workspace_id, id FROM ingestion_jobs
               WHERE workspace_id = $1 AND status = 'queued' AND run_after <= $4
               ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) head
         WHERE j.workspace_id = head.workspace_id AND j.id = head.id
         RETURNING ${jobColumns}, j.request`,
        [workspaceId, leaseToken, addMilliseconds(now, settings.leaseMs), now],
      );
      const claimed = rows[0];
      if (!claimed) continue;
      const { request, ...job } = claimed;
      const context = createWorkspaceContext({
        organizationId: limits.organizationId,
        workspaceId,
        apiKeyId: request.apiKeyId,
        customerId: request.customerId,
        scopes: ['documents:write'],
      });
      return { job, leaseToken, context, request };
    }
    return skipped ? contended : null;
  });
}

/**
 * The leased job's upload, read in a statement of its own and expanded after it; undefined when
 * the lease is already gone (the workspace was deleted meanwhile).
 */
async function readLeasedUpload(database: Database, leased: LeasedJob): Promise<ClaimedJob['upload'] | undefined> {
  const { job, request, context } = leased;
  const stored = await withWorkspace(database, context, async (transaction) => {
    const { rows } = await transaction.query<{ content: Uint8Array; encoding: JobContentEncoding }>(
      `SELECT content, content_encoding AS encoding FROM ingestion_jobs
       WHERE workspace_id = $1 AND id = $2 AND lease_token = $3 AND status = 'running'`,
      [context.workspaceId, job.id, leased.leaseToken],
    );
    return rows[0];
  });
  if (!stored) return undefined;
  const bytes = await unpackJobContent(stored.content, stored.encoding);
  const input: DocumentInput = {
    source: job.source,
    content: request.text ? bytes.toString('utf8') : new Uint8Array(bytes),
    ...(request.title !== undefined && { title: request.title }),
    ...(request.contentType !== undefined && { contentType: request.contentType }),
    ...(request.metadata !== undefined && { metadata: request.metadata }),
  };
  return { input, options: request.options, metering: request.metering };
}

/**
 * Claims the next job to run, or returns null when none may run now. When another claimer held a
 * workspace that had jobs waiting, it tries again once that claimer's short transaction is over.
 */
export async function claimIngestionJob(database: Database, settings: LeaseSettings, now: Date = new Date()): Promise<ClaimedJob | null> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const leased = await attemptClaim(database, settings, now);
    if (leased === null) return null;
    if (leased !== contended) {
      const upload = await readLeasedUpload(database, leased);
      if (upload) return { job: leased.job, leaseToken: leased.leaseToken, context: leased.context, upload };
      continue;
    }
    await sleep(5 + Math.random() * 20);
  }
  return null;
}

/** Runs `update` on the claimed job only while this worker still holds its lease; false when it does not. */
async function updateLeased(database: Database, claimed: ClaimedJob, assignments: string, parameters: unknown[]): Promise<boolean> {
  const { rowCount } = await withWorkspace(database, claimed.context, (transaction) =>
    transaction.query(
      `UPDATE ingestion_jobs SET ${assignments}
       WHERE workspace_id = $1 AND id = $2 AND lease_token = $3 AND status = 'running'`,
      [claimed.context.workspaceId, claimed.job.id, claimed.leaseToken, ...parameters],
    ),
  );
  return rowCount > 0;
}

/** Extends the lease of a job still running; false when it was lost (expired and reclaimed, or the workspace deleted). */
export function renewLease(database: Database, claimed: ClaimedJob, settings: LeaseSettings, now: Date = new Date()): Promise<boolean> {
  return updateLeased(database, claimed, 'lease_expires_at = $4', [addMilliseconds(now, settings.leaseMs)]);
}

/** Records the outcome and releases the lease and the upload; false when the lease was lost meanwhile. */
export function finishIngestionJob(
  database: Database,
  claimed: ClaimedJob,
  outcome: { result: IngestionJobResult } | { error: JobError },
  now: Date = new Date(),
): Promise<boolean> {
  const succeeded = 'result' in outcome;
  return updateLeased(
    database,
    claimed,
    `status = $4, result = $5, error = $6, finished_at = $7, lease_token = NULL, lease_expires_at = NULL, content = NULL`,
    [succeeded ? 'succeeded' : 'failed', succeeded ? outcome.result : null, succeeded ? null : outcome.error, now],
  );
}

/**
 * After a transient failure (the database went away mid-job): back to the queue, to run again
 * after `retryAfterMs` (showing the error meanwhile), or failed with it once the job has used its attempts.
 */
export function retryIngestionJobLater(
  database: Database,
  claimed: ClaimedJob,
  error: JobError,
  settings: LeaseSettings,
  retryAfterMs: number,
  now: Date = new Date(),
): Promise<boolean> {
  return updateLeased(
    database,
    claimed,
    `lease_token = NULL, lease_expires_at = NULL,
     status = CASE WHEN attempts >= $4 THEN 'failed' ELSE 'queued' END,
     error = $5,
     finished_at = CASE WHEN attempts >= $4 THEN $6::timestamptz END,
     content = CASE WHEN attempts >= $4 THEN NULL ELSE content END,
     run_after = $7`,
    [settings.maximumAttempts, error, now, addMilliseconds(now, retryAfterMs)],
  );
}

/** Deletes jobs that finished before `before` (their status has been readable long enough). */
export async function pruneFinishedJobs(database: Database, before: Date): Promise<number> {
  const { rowCount } = await withControlPlane(database, (transaction) =>
    transaction.query('DELETE FROM ingestion_jobs WHERE finished_at < $1', [before]),
  );
  return rowCount;
}
