// Where a worker thread's script is, and how to start it. From compiled JavaScript it is the .js
// file beside the module that starts it. From TypeScript source (run through tsx) a thread's entry
// is loaded before tsx's hooks are in place, so the thread starts typescript-worker-entry.mjs,
// which imports the module through tsx's API.
import { Worker, type WorkerOptions } from 'node:worker_threads';

export interface WorkerScript {
  filename: string;
  workerData?: { typescriptModule: string };
}

/** `relativePath` is the module's path from `fromModule` (an import.meta.url), written with .ts. */
export function workerScript(relativePath: string, fromModule: string): WorkerScript {
  if (!fromModule.endsWith('.ts')) return { filename: new URL(relativePath.replace(/\.ts$/, '.js'), fromModule).href };
  return {
    filename: new URL('./typescript-worker-entry.mjs', import.meta.url).href,
    workerData: { typescriptModule: new URL(relativePath, fromModule).href },
  };
}

/** Starts a thread running the module at `relativePath`, which exports a default function of one task. */
export function startWorker(relativePath: string, fromModule: string, task: unknown, options: Omit<WorkerOptions, 'workerData'> = {}): Worker {
  const script = workerScript(relativePath, fromModule);
  return new Worker(new URL(script.filename), { ...options, workerData: { ...script.workerData, task } });
}
