// Worker threads for ingestion's CPU work (prepare-content.ts: parsing, chunking, token counting,
// local embedding), so that no upload, however large or odd, holds the event loop that serves
// HTTP, timers and every other tenant. A piscina pool: threads start on demand, at a lower CPU
// priority than the thread that answers requests, and an idle pool keeps no process alive.
import os from 'node:os';
import { Piscina } from 'piscina';
import { RagspaceError, serviceBusy } from '../../errors.ts';
import { workerScript } from '../../worker-script.ts';
import type { ContentRequest, PreparedContent } from '../prepare-content.ts';
import type { WorkerOutcome } from './ingestion-worker.ts';

export interface IngestionWorkers {
  /** Runs prepareContent on a worker thread; 503 service_busy when too many documents are waiting. */
  prepare(request: ContentRequest): Promise<PreparedContent>;
  close(): Promise<void>;
}

export interface IngestionWorkersOptions {
  /** Threads at most (default: one fewer than the cores, at least one). */
  threads?: number;
  /** Documents waiting for a thread at most (default 64); more get service_busy. */
  maximumQueued?: number;
}

export function createIngestionWorkers(options: IngestionWorkersOptions = {}): IngestionWorkers {
  const script = workerScript('./ingestion-worker.ts', import.meta.url);
  const pool = new Piscina({
    ...script,
    minThreads: 0,
    maxThreads: options.threads ?? Math.max(1, os.availableParallelism() - 1),
    maxQueue: options.maximumQueued ?? 64,
    // Kept warm between documents of a run; an idle thread is unreferenced anyway.
    idleTimeout: 30_000,
    // Searches and the embedded database's thread get the CPU first when cores are scarce.
    niceIncrement: process.platform === 'win32' ? 0 : 5,
  });
  return {
    async prepare(request) {
      let outcome: WorkerOutcome<PreparedContent>;
      try {
        outcome = (await pool.run(request)) as WorkerOutcome<PreparedContent>;
      } catch (error) {
        if ((error as Error).message === 'Task queue is at limit') {
          throw serviceBusy('Too many documents are being prepared for ingestion; retry later', { maximumQueued: pool.options.maxQueue });
        }
        throw error;
      }
      if (!outcome.ok) throw new RagspaceError(outcome.error.code, outcome.error.statusCode, outcome.error.message, outcome.error.details);
      return outcome.value;
    },
    close: () => pool.close(),
  };
}

// A lazily built default, like a constant: the pool has no state a caller could observe, and its
// idle threads do not keep a process alive, so every caller of the ingestion service shares one.
let sharedWorkers: IngestionWorkers | undefined;

export function sharedIngestionWorkers(): IngestionWorkers {
  sharedWorkers ??= createIngestionWorkers();
  return sharedWorkers;
}
