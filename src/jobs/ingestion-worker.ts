// The background side of uploads answered 202: every server process runs a worker that claims
// jobs from the queue in PostgreSQL (ingestion-jobs.ts), ingests them with ingestDocument while
// renewing its lease, and records the outcome. Jobs queued while no process ran are picked up at
// start; a job whose process died is picked up again when its lease expires, and re-ingesting a
// version that was already stored is `unchanged`, so a job completes once however often it starts.
import { setTimeout as sleepFor } from 'node:timers/promises';
import type { Database } from '../db/database.ts';
import { clientErrorForDatabaseFailure, isDatabaseUnavailable } from '../db/database-errors.ts';
import { documentBusy, RagspaceError, serviceBusy } from '../errors.ts';
import type { IngestionDependencies } from '../ingestion/documents.ts';
import { ingestUpload } from '../ingestion/metered-ingestion.ts';
import { countQuotaRejection } from '../observability/metrics.ts';
import type { Logger } from '../logger.ts';
import type { UsageRecorder } from '../tenancy/usage.ts';
import type { WorkspaceContext } from '../tenancy/workspace-context.ts';
import {
  claimIngestionJob,
  enqueueIngestionJob,
  finishIngestionJob,
  getIngestionJob,
  pruneFinishedJobs,
  renewLease,
  retryIngestionJobLater,
  type ClaimedJob,
  type IngestionJob,
  type IngestionJobResult,
  type JobError,
  type JobUpload,
  type LeaseSettings,
  type QueueBounds,
} from './ingestion-jobs.ts';

export interface IngestionJobOptions extends Partial<QueueBounds> {
  /** Jobs this process runs at once (0: it runs none, it only accepts them). */
  concurrency: number;
  /** How long a claimed job stays this process's without a renewal. */
  leaseMs: number;
  /** Claims of one job at most before it fails (default 5). */
  maximumAttempts?: number;
  /** How often an idle worker looks for jobs queued by other processes (default 1 s). */
  pollIntervalMs?: number;
  /** How long finished jobs stay readable (default 7 days). */
  retentionMs?: number;
  /** The clock leases are measured with (tests move it). */
  clock?: () => Date;
}

export interface IngestionJobService {
  /** Queues an upload and wakes this process's worker; 429 ingestion_queue_full when the workspace's queue is full. */
  enqueue(context: WorkspaceContext, upload: JobUpload): Promise<IngestionJob>;
  get(context: WorkspaceContext, jobId: string): Promise<IngestionJob>;
  /** Stops claiming and waits for the jobs this process is running; queued jobs stay for the next process. */
  close(): Promise<void>;
}

type Outcome = { result: IngestionJobResult } | { error: JobError } | { retry: JobError };

const defaultBounds: QueueBounds = { maximumWaitingJobs: 100, maximumWaitingBytes: 256 * 1024 * 1024 };
const pruneIntervalMs = 10 * 60 * 1000;
const quotaErrorCodes = new Set(['quota_exceeded', 'storage_quota_exceeded']);

/** Seconds to wait before retrying after a transient failure: 2, 4, 8 … at most 60. */
function backoffMs(attempts: number): number {
  return Math.min(60_000, 1000 * 2 ** Math.max(1, attempts));
}

export function startIngestionJobs(
  dependencies: {
    database: Database;
    ingestion: IngestionDependencies;
    logger: Logger;
    /** Where each job's usage goes (the server's recorder, flushed after close); null or absent: not recorded. */
    usage?: UsageRecorder | null;
  },
  options: IngestionJobOptions,
): IngestionJobService {
  const { database, ingestion, logger, usage } = dependencies;
  const clock = options.clock ?? (() => new Date());
  const bounds: QueueBounds = {
    maximumWaitingJobs: options.maximumWaitingJobs ?? defaultBounds.maximumWaitingJobs,
    maximumWaitingBytes: options.maximumWaitingBytes ?? defaultBounds.maximumWaitingBytes,
  };
  const lease: LeaseSettings = { leaseMs: options.leaseMs, maximumAttempts: options.maximumAttempts ?? 5 };
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const retentionMs = options.retentionMs ?? 7 * 24 * 60 * 60 * 1000;

  const running = new Set<Promise<void>>();
  let stopped = false;
  let kicked = false;
  let wake: (() => void) | undefined;
  let lastPrune = 0;

  function kick(): void {
    kicked = true;
    wake?.();
  }

  function sleep(milliseconds: number): Promise<void> {
    if (kicked || stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, milliseconds);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });
  }

  /** What the job reports for a failure; unexpected errors are logged, and the client gets only the job id. */
  function jobError(error: unknown, claimed: ClaimedJob): JobError {
    const known = error instanceof RagspaceError ? error : clientErrorForDatabaseFailure(error);
    if (known) return { code: known.code, message: known.message };
    logger.error({ err: error, jobId: claimed.job.id, workspaceId: claimed.context.workspaceId }, 'ingestion job failed');
    return { code: 'internal_error', message: `Ingestion failed; quote job id ${claimed.job.id} when reporting it` };
  }

  /** Runs the ingestion; what happened, to be recorded. */
  async function ingest(claimed: ClaimedJob, log: Logger): Promise<Outcome> {
    const { context, upload } = claimed;
    try {
      // Metered as a synchronous upload is: the quotas again in the write transaction (the room
      // checked at acceptance may be gone), and the usage recorded when the document is stored.
      // The job's id for a new document: a later attempt takes over what this one leaves unpublished.
      const options = { ...upload.options, documentId: claimed.job.id };
      const stored = await ingestUpload(ingestion, context, { ...upload, options, sizeBytes: claimed.job.sizeBytes }, {
        quotas: upload.metering?.quotas ?? false,
        requestId: upload.metering?.requestId ?? null,
        record: usage ? (event) => usage.record(context, event) : undefined,
      });
      log.info({ status: stored.status, chunkCount: stored.chunkCount }, 'ingestion job succeeded');
      return { result: { documentId: stored.document.id, status: stored.status, chunkCount: stored.chunkCount } };
    } catch (error) {
      // Interrupted by the database, the CPU workers were full, or another request is writing the
      // same source: nothing was published (a staged document left unpublished is taken over by
      // the next attempt), so it runs again later.
      if (isDatabaseUnavailable(error) || (error instanceof RagspaceError && (error.code === serviceBusy.code || error.code === documentBusy.code))) {
        log.warn({ err: error }, 'ingestion job interrupted; it will be retried');
        return { retry: jobError(error, claimed) };
      }
      if (error instanceof RagspaceError && quotaErrorCodes.has(error.code)) {
        const quota = (error.details as { quota?: string } | undefined)?.quota ?? error.code;
        countQuotaRejection({ workspaceId: context.workspaceId, quota });
      }
      return { error: jobError(error, claimed) };
    }
  }

  function record(claimed: ClaimedJob, outcome: Outcome): Promise<boolean> {
    if ('retry' in outcome) return retryIngestionJobLater(database, claimed, outcome.retry, lease, backoffMs(claimed.job.attempts), clock());
    return finishIngestionJob(database, claimed, outcome, clock());
  }

  async function runJob(claimed: ClaimedJob): Promise<void> {
    const log = logger.child({ jobId: claimed.job.id, workspaceId: claimed.context.workspaceId, attempt: claimed.job.attempts });
    const heartbeat = setInterval(() => {
      renewLease(database, claimed, lease, clock())
        .then((held) => {
          if (!held) log.warn('lost the lease of a running ingestion job (expired, or its workspace was deleted)');
        })
        .catch((error: unknown) => log.warn({ err: error }, 'could not renew an ingestion job lease'));
    }, Math.max(10, Math.floor(lease.leaseMs / 3)));
    try {
      const outcome = await ingest(claimed, log);
      // The database may still be coming back (the failure that interrupted the job): a few quick
      // tries spare the job a wait for its lease to expire.
      let recorded: boolean | undefined;
      for (let attempt = 0; recorded === undefined; attempt += 1) {
        try {
          recorded = await record(claimed, outcome);
        } catch (error) {
          if (!isDatabaseUnavailable(error) || attempt >= 4) throw error;
          await sleepFor(250 * 2 ** attempt);
        }
      }
      if (!recorded) log.warn('an ingestion job finished after losing its lease; its outcome was not recorded');
    } catch (error) {
      // The outcome could not be written (the database is gone): the lease expires and the job runs again.
      log.warn({ err: error }, 'could not record the outcome of an ingestion job; it will run again when its lease expires');
    } finally {
      clearInterval(heartbeat);
    }
  }

  async function pruneNow(): Promise<void> {
    const now = clock();
    if (now.getTime() - lastPrune < pruneIntervalMs) return;
    lastPrune = now.getTime();
    const pruned = await pruneFinishedJobs(database, new Date(now.getTime() - retentionMs));
    if (pruned > 0) logger.info({ pruned }, 'deleted old finished ingestion jobs');
  }

  async function loop(): Promise<void> {
    while (!stopped) {
      kicked = false;
      try {
        while (!stopped && running.size < options.concurrency) {
          const claimed = await claimIngestionJob(database, lease, clock());
          if (!claimed) break;
          const run: Promise<void> = runJob(claimed).finally(() => {
            running.delete(run);
            kick();
          });
          running.add(run);
        }
        await pruneNow();
      } catch (error) {
        // The database is unreachable or restarting: try again at the next poll.
        logger.warn({ err: error }, 'could not claim ingestion jobs');
      }
      await sleep(pollIntervalMs);
    }
  }

  const looping = options.concurrency > 0 ? loop() : Promise.resolve();

  return {
    async enqueue(context, upload) {
      const job = await enqueueIngestionJob(database, context, upload, bounds, clock());
      kick();
      return job;
    },
    get: (context, jobId) => getIngestionJob(database, context, jobId),
    async close() {
      stopped = true;
      wake?.();
      await looping;
      await Promise.allSettled(running);
    },
  };
}
