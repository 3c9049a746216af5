// An in-process queue for large uploads: the request is answered 202 with a job id at once, the
// document is ingested in the background, one job at a time (PGlite runs one statement at a time
// for the whole process, so parallel ingestion would only stall everyone's searches).
//
// Limits: jobs live in this process's memory. A job queued in one server process is visible only
// there, and queued jobs are lost if the process dies (a graceful shutdown finishes them first).
// The queue is bounded in jobs and bytes; when full, uploads get 503 service_busy.
import { randomUUID } from 'node:crypto';
import { RagspaceError, serviceBusy } from '../errors.ts';
import type { Logger } from '../logger.ts';

export type IngestionJobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface IngestionJobResult {
  documentId: string;
  status: 'created' | 'updated' | 'unchanged';
  chunkCount: number;
}

export interface IngestionJob {
  id: string;
  workspaceId: string;
  source: string;
  sizeBytes: number;
  status: IngestionJobStatus;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  result: IngestionJobResult | null;
  error: { code: string; message: string } | null;
}

export interface IngestionJobsOptions {
  /** Jobs waiting (not running) at most. */
  maximumQueuedJobs?: number;
  /** Bytes of content held by waiting jobs at most. */
  maximumQueuedBytes?: number;
  /** Finished jobs remembered for status reads; the oldest are forgotten first. */
  retainFinishedJobs?: number;
}

interface QueueEntry {
  job: IngestionJob;
  run: () => Promise<IngestionJobResult>;
}

export function createIngestionJobs(logger: Logger, options: IngestionJobsOptions = {}) {
  const maximumQueuedJobs = options.maximumQueuedJobs ?? 20;
  const maximumQueuedBytes = options.maximumQueuedBytes ?? 128 * 1024 * 1024;
  const retainFinishedJobs = options.retainFinishedJobs ?? 1000;

  const jobs = new Map<string, IngestionJob>();
  const waiting: QueueEntry[] = [];
  let queuedBytes = 0;
  let worker: Promise<void> | null = null;

  function forgetOldFinishedJobs(): void {
    const finished = [...jobs.values()].filter((job) => job.finishedAt !== null);
    for (const job of finished.slice(0, Math.max(0, finished.length - retainFinishedJobs))) jobs.delete(job.id);
  }

  function finish(job: IngestionJob, outcome: Pick<IngestionJob, 'status' | 'result' | 'error'>): void {
    Object.assign(job, outcome, { finishedAt: new Date() });
    forgetOldFinishedJobs();
  }

  async function work(): Promise<void> {
    for (let entry = waiting.shift(); entry; entry = waiting.shift()) {
      const { job, run } = entry;
      queuedBytes -= job.sizeBytes;
      if (job.status === 'cancelled') continue;
      job.status = 'running';
      job.startedAt = new Date();
      try {
        finish(job, { status: 'succeeded', result: await run(), error: null });
      } catch (error) {
        const known = error instanceof RagspaceError;
        if (!known) logger.error({ err: error, jobId: job.id, workspaceId: job.workspaceId }, 'ingestion job failed');
        finish(job, {
          status: 'failed',
          result: null,
          error: known
            ? { code: error.code, message: error.message }
            : { code: 'internal_error', message: `Ingestion failed; quote job id ${job.id} when reporting it` },
        });
      }
    }
  }

  function ensureWorker(): void {
    worker ??= work().finally(() => {
      worker = null;
      // A job enqueued while the loop was finishing would otherwise wait for the next enqueue.
      if (waiting.length > 0) ensureWorker();
    });
  }

  return {
    /** Queues `run`; throws 503 service_busy when the queue is full. */
    enqueue(input: { workspaceId: string; source: string; sizeBytes: number; run: () => Promise<IngestionJobResult> }): IngestionJob {
      if (waiting.length >= maximumQueuedJobs || queuedBytes + input.sizeBytes > maximumQueuedBytes) {
        throw serviceBusy('The ingestion queue is full; retry later', { queuedJobs: waiting.length });
      }
      const job: IngestionJob = {
        id: randomUUID(),
        workspaceId: input.workspaceId,
        source: input.source,
        sizeBytes: input.sizeBytes,
        status: 'queued',
        createdAt: new Date(),
        startedAt: null,
        finishedAt: null,
        result: null,
        error: null,
      };
      jobs.set(job.id, job);
      waiting.push({ job, run: input.run });
      queuedBytes += job.sizeBytes;
      ensureWorker();
      return { ...job };
    },

    /** A job of this workspace, or null (also for another workspace's job id). */
    get(workspaceId: string, jobId: string): IngestionJob | null {
      const job = jobs.get(jobId);
      return job && job.workspaceId === workspaceId ? { ...job } : null;
    },

    /** Cancels the waiting jobs of a workspace (e.g. it was deleted); a running job finishes or fails. */
    cancelWorkspace(workspaceId: string): void {
      for (const { job } of waiting) {
        if (job.workspaceId === workspaceId && job.status === 'queued') {
          finish(job, { status: 'cancelled', result: null, error: { code: 'cancelled', message: 'The workspace was deleted' } });
        }
      }
    },

    /** Resolves when every accepted job has finished (graceful shutdown). */
    async drain(): Promise<void> {
      while (worker) await worker;
    },
  };
}

export type IngestionJobs = ReturnType<typeof createIngestionJobs>;
