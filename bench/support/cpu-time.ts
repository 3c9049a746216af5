// CPU time a piece of work costs: this process's (every thread, so worker threads and the embedded
// database too) and, on the postgres tier, the PostgreSQL server's, when that server runs on this
// machine and /proc shows it. Throughput on a machine of few cores is bounded by CPU per unit of
// work, so this is what explains a throughput ratio (bench: ingestion-throughput, api-search).
import { readdir, readFile } from 'node:fs/promises';
import type { BenchDatabase } from '../tiers.ts';

export interface CpuSeconds {
  process: number;
  /** The database server's processes; null when it is in this process (PGlite) or out of sight. */
  database: number | null;
}

/** Both, in seconds. */
export const cpuTotal = (cpu: CpuSeconds): number => cpu.process + (cpu.database ?? 0);

export interface CpuMeter {
  measure<T>(work: () => Promise<T>): Promise<{ result: T; cpu: CpuSeconds; seconds: number }>;
}

// Linux reports process times in clock ticks of USER_HZ, 100 on every architecture Node runs on.
const ticksPerSecond = 100;

interface ProcessTimes {
  command: string;
  parent: number;
  /** utime + stime. */
  own: number;
  /** cutime + cstime: children that have exited and been waited for. */
  reapedChildren: number;
}

async function processTimes(pid: number | string): Promise<ProcessTimes | null> {
  let stat: string;
  try {
    stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null; // exited, or no /proc
  }
  // The command sits in parentheses and may itself contain spaces or parentheses.
  const close = stat.lastIndexOf(')');
  const fields = stat.slice(close + 2).split(' ');
  const ticks = (index: number) => Number(fields[index]) / ticksPerSecond;
  return { command: stat.slice(stat.indexOf('(') + 1, close), parent: Number(fields[1]), own: ticks(11) + ticks(12), reapedChildren: ticks(13) + ticks(14) };
}

/** The postmaster serving `bench`, when it is a process of this machine. */
async function localPostmaster(bench: BenchDatabase): Promise<number | null> {
  if (bench.tier !== 'postgres') return null;
  const { rows } = await bench.database.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const backend = await processTimes(rows[0]!.pid);
  if (backend?.command !== 'postgres') return null;
  const postmaster = await processTimes(backend.parent);
  return postmaster?.command === 'postgres' ? backend.parent : null;
}

/** The postmaster's CPU plus its children's, live (backends, autovacuum) or already exited. */
async function serverSeconds(postmaster: number): Promise<number> {
  const root = await processTimes(postmaster);
  if (!root) return Number.NaN;
  let total = root.own + root.reapedChildren;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const times = await processTimes(entry);
    if (times?.parent === postmaster) total += times.own;
  }
  return total;
}

function processSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

export async function openCpuMeter(bench: BenchDatabase): Promise<CpuMeter> {
  const postmaster = await localPostmaster(bench);
  return {
    async measure(work) {
      const databaseBefore = postmaster === null ? null : await serverSeconds(postmaster);
      const processBefore = processSeconds();
      const started = performance.now();
      const result = await work();
      const seconds = (performance.now() - started) / 1000;
      const process = processSeconds() - processBefore;
      const database = postmaster === null || databaseBefore === null ? null : (await serverSeconds(postmaster)) - databaseBefore;
      return { result, cpu: { process, database: database !== null && Number.isFinite(database) ? database : null }, seconds };
    },
  };
}
