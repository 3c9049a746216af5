// Worker threads for the CPU-heavy work behind ingestion (parsing, chunking, token counting, local
// embedding: prepare-content.ts) and the offline knowledge-graph extraction, so that no upload,
// however large or odd, holds the event loop that serves HTTP, timers and every other tenant.
// A piscina pool: threads start on demand, at a lower CPU priority than the thread that answers
// requests, and an idle pool keeps no process alive.
import os from 'node:os';
import { Piscina } from 'piscina';
import { RagspaceError, serviceBusy } from '../errors.ts';
import type { ExtractionInput, ExtractionResult } from '../graph/extraction/extractor.ts';
import type { ContentRequest, PreparedContent } from '../ingestion/prepare-content.ts';
import type { CpuTask, WorkerOutcome } from './cpu-worker.ts';
import { workerScript } from './worker-script.ts';

export interface CpuWorkers {
  /** prepareContent on a worker thread; 503 service_busy when too many tasks are waiting. */
  prepareContent(request: ContentRequest): Promise<PreparedContent>;
  /** The offline extractor's extract() on a worker thread. */
  extractGraph(input: ExtractionInput): Promise<ExtractionResult>;
  close(): Promise<void>;
}

export interface CpuWorkersOptions {
  /** Threads at most (default: one fewer than the cores, at least one). */
  threads?: number;
  /** Tasks waiting for a thread at most (default 64); more get service_busy. */
  maximumQueued?: number;
}

export function createCpuWorkers(options: CpuWorkersOptions = {}): CpuWorkers {
  const pool = new Piscina({
    ...workerScript('./cpu-worker.ts', import.meta.url),
    minThreads: 0,
    maxThreads: options.threads ?? Math.max(1, os.availableParallelism() - 1),
    maxQueue: options.maximumQueued ?? 64,
    // Kept warm between the documents of a run; an idle thread is unreferenced anyway.
    idleTimeout: 30_000,
    // Searches and the embedded database's thread get the CPU first when cores are scarce.
    niceIncrement: process.platform === 'win32' ? 0 : 5,
  });

  async function run<T>(task: CpuTask): Promise<T> {
    let outcome: WorkerOutcome<T>;
    try {
      outcome = (await pool.run(task)) as WorkerOutcome<T>;
    } catch (error) {
      if ((error as Error).message === 'Task queue is at limit') {
        throw serviceBusy('Too many documents are being processed; retry later', { maximumQueued: pool.options.maxQueue });
      }
      throw error;
    }
    if (!outcome.ok) throw new RagspaceError(outcome.error.code, outcome.error.statusCode, outcome.error.message, outcome.error.details);
    return outcome.value;
  }

  return {
    prepareContent: (input) => run({ kind: 'prepare', input }),
    extractGraph: (input) => run({ kind: 'extractGraph', input }),
    close: () => pool.close(),
  };
}

// A lazily built default, like a constant: the pool has no state a caller could observe, and its
// idle threads do not keep a process alive, so every caller shares one per process.
let sharedWorkers: CpuWorkers | undefined;

export function sharedCpuWorkers(): CpuWorkers {
  sharedWorkers ??= createCpuWorkers();
  return sharedWorkers;
}
