// Where a worker thread's script is, and how to start it. From source (run through tsx) the script
// is TypeScript and the thread needs tsx's loader too; from compiled JavaScript it is the .js file
// beside the module that starts it.
import { Worker, type WorkerOptions } from 'node:worker_threads';

export interface WorkerScript {
  filename: string;
  execArgv: string[];
}

/** `relativePath` is the script's path from `fromModule` (an import.meta.url), written with .ts. */
export function workerScript(relativePath: string, fromModule: string): WorkerScript {
  if (fromModule.endsWith('.ts')) return { filename: new URL(relativePath, fromModule).href, execArgv: ['--import', 'tsx'] };
  return { filename: new URL(relativePath.replace(/\.ts$/, '.js'), fromModule).href, execArgv: [] };
}

/** Starts a thread running the module at `relativePath` (which reads workerData and parentPort). */
export function startWorker(relativePath: string, fromModule: string, options: Omit<WorkerOptions, 'eval'> = {}): Worker {
  const script = workerScript(relativePath, fromModule);
  if (!fromModule.endsWith('.ts')) return new Worker(new URL(script.filename), options);
  // From source: a thread's entry is loaded before tsx's hooks are in place, so a one-line entry
  // imports the TypeScript module through tsx's API instead.
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const entry = `import(${JSON.stringify(tsxApi)}).then(({ tsImport }) => tsImport(${JSON.stringify(script.filename)}, ${JSON.stringify(fromModule)}));`;
  return new Worker(entry, { ...options, eval: true });
}
