// The HTTP benchmarks' load generator: autocannon in a child process, so that it does not share
// the measured server's event loop (it would take a large share of the CPU time being measured).
// The child runs this small module alone (`--load-generator`), not the scenario that spawned it:
// it starts in a fraction of the time the scenario's whole import graph takes.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

// autocannon ships no types; this is the part of its API used here.
export interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
export interface LoadResult extends AutocannonResult {
  /** CPU seconds the load generator itself spent generating the load (its start-up excluded). */
  cpuSeconds: number;
}
export interface LoadOptions {
  url: string;
  connections: number;
  duration: number;
  pipelining: number;
  requests: Array<{ method: 'POST'; path: string; headers: Record<string, string>; body: string }>;
}
type Autocannon = (options: LoadOptions) => Promise<AutocannonResult>;

const loadGeneratorFlag = '--load-generator';

/** Runs autocannon with `options` in a child process and resolves with its result. */
export function generateLoad(options: LoadOptions): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), loadGeneratorFlag], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`load generator exited with code ${code}`));
      try {
        resolve(JSON.parse(output) as LoadResult);
      } catch (error) {
        reject(error);
      }
    });
    child.stdin.end(JSON.stringify(options));
  });
}

async function runLoadGenerator(): Promise<void> {
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  let input = '';
  for await (const chunk of process.stdin) input += String(chunk);
  const before = process.cpuUsage();
  const result = await autocannon(JSON.parse(input) as LoadOptions);
  const { user, system } = process.cpuUsage(before);
  process.stdout.write(JSON.stringify({ ...result, cpuSeconds: (user + system) / 1e6 }));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv.includes(loadGeneratorFlag)) {
  await runLoadGenerator();
}
