// Where a worker thread's script is, and how to start it. From source (run through tsx) the script
// is TypeScript and the thread needs tsx's loader too; from compiled JavaScript it is the .js file
// beside the module that starts it.
export interface WorkerScript {
  filename: string;
  execArgv: string[];
}

/** `relativePath` is the script's path from `fromModule` (an import.meta.url), written with .ts. */
export function workerScript(relativePath: string, fromModule: string): WorkerScript {
  if (fromModule.endsWith('.ts')) return { filename: new URL(relativePath, fromModule).href, execArgv: ['--import', 'tsx'] };
  return { filename: new URL(relativePath.replace(/\.ts$/, '.js'), fromModule).href, execArgv: [] };
}
