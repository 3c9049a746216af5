// Runs the real `ragspace` binary (compiled, in dist/) as a user would, and measures it: wall time
// from spawn to exit, and the process's own CPU time and peak memory, which it reports as it exits.
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export const repository = fileURLToPath(new URL('../../', import.meta.url));
export const ragspaceBinary = fileURLToPath(new URL('../../bin/ragspace.js', import.meta.url));

// Loaded into the measured process with --import: prints its resource usage on exit.
const usageReporter = `data:text/javascript,${encodeURIComponent(
  "process.on('exit', () => { const u = process.resourceUsage(); process.stderr.write('\\nBENCH_USAGE ' + JSON.stringify({ cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000, maxRssMiB: u.maxRSS / 1024 }) + '\\n'); });",
)}`;

export interface ProcessRun {
  exitCode: number | null;
  wallMs: number;
  cpuMs: number;
  maxRssMiB: number;
  stdout: string;
  stderr: string;
}

/** Runs `node [nodeArguments] <script> [args]`, measuring it. */
export function measureNode(nodeArguments: string[], environment: Record<string, string>): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', usageReporter, ...nodeArguments], {
      cwd: repository,
      env: { ...process.env, LOG_LEVEL: 'warn', ...environment },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (exitCode) => {
      const wallMs = performance.now() - started;
      const usage = /BENCH_USAGE (\{.*\})/.exec(stderr);
      const { cpuMs, maxRssMiB } = usage ? (JSON.parse(usage[1]!) as { cpuMs: number; maxRssMiB: number }) : { cpuMs: NaN, maxRssMiB: NaN };
      resolve({ exitCode, wallMs, cpuMs, maxRssMiB, stdout, stderr: stderr.replace(/\n?BENCH_USAGE .*\n/, '') });
    });
  });
}

/** `ragspace <args>`, checked to succeed. */
export async function measureRagspace(args: string[], environment: Record<string, string>): Promise<ProcessRun> {
  const run = await measureNode([ragspaceBinary, ...args], environment);
  if (run.exitCode !== 0) throw new Error(`ragspace ${args.join(' ')} failed (${run.exitCode}): ${run.stderr}`);
  return run;
}

export interface StartedServer {
  url: string;
  /** From spawn until GET /health first answered 200. */
  healthAfterMs: number;
  /** CPU time the server's processes (npm and node) had used by then (Linux /proc; NaN elsewhere). */
  cpuMsUntilHealthy: number;
  stop(): Promise<void>;
}

// Linux reports process times in clock ticks of 1/100 s.
const clockTicksPerSecond = 100;

/** User + system CPU time of every live process in process group `group`, from /proc. */
async function processGroupCpuMs(group: number): Promise<number> {
  const entries = await readdir('/proc').catch(() => undefined);
  if (!entries) return Number.NaN;
  let ticks = 0;
  for (const entry of entries.filter((name) => /^\d+$/.test(name))) {
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // Fields after the command name (which may hold spaces): state ppid pgrp … utime(14) stime(15).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === group) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return (ticks / clockTicksPerSecond) * 1000;
}

/**
 * Starts a server with `command` (e.g. npm start) in its own process group and waits until it
 * answers GET /health. stop() ends that process group: the server and the npm that started it.
 */
export function startServer(command: string, args: string[], environment: Record<string, string>): Promise<StartedServer> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, {
      cwd: repository,
      env: { ...process.env, LOG_LEVEL: 'warn', PORT: '0', HOST: '127.0.0.1', ...environment },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    const stop = async () => {
      if (child.exitCode === null && child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
      await exited;
    };
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.once('exit', (code) => reject(new Error(`${command} ${args.join(' ')} exited (${code}) before serving: ${output}`)));
    let polling = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const listening = /ragspace listening on (http:\/\/\S+)/.exec(output);
      if (!listening || polling) return;
      polling = true;
      const url = listening[1]!;
      void (async () => {
        for (;;) {
          const healthy = await fetch(`${url}/health`).then((response) => response.ok, () => false);
          if (healthy) {
            const healthAfterMs = performance.now() - started;
            return resolve({ url, healthAfterMs, cpuMsUntilHealthy: await processGroupCpuMs(child.pid!), stop });
          }
          await new Promise((wait) => setTimeout(wait, 20));
        }
      })();
    });
  });
}
