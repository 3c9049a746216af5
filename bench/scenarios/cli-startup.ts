// How long the `ragspace` command and `npm start` take to start (issue 10), on each tier:
// - `ragspace org list` while a server process holds the embedded database (the CLI connects
//   through its socket), cold on an existing data directory (it opens PGlite itself), and against
//   a real PostgreSQL (the harness's database); wall time, the process's CPU time and peak memory;
// - `npm start` on an existing data directory (or DATABASE_URL): time until GET /health answers,
//   and the CPU time npm and the server used until then.
// Baselines from the same run: a bare `node -e 0`, and the same command compiled at run time by
// tsx as bin/ragspace.js did before. Wall times stretch with what else the machine runs (the load
// average is printed); CPU times much less.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { percentile, round, sized, type BenchScenario, type ScenarioContext, type ScenarioReport } from '../scenario.ts';
import { measureNode, measureRagspace, startServer, type ProcessRun, type StartedServer } from '../support/processes.ts';

const pepper = 'bench-cli-startup-pepper-0123456789abcdef';

interface Measured {
  tier: 'pglite' | 'postgres';
  what: string;
  wallMs: number;
  cpuMs?: number;
  maxRssMiB?: number;
  /** The goal on wall time (and CPU time), if the issue sets one. */
  goal?: { wallMs: number; cpuMs?: number };
}

function summarise(tier: Measured['tier'], what: string, runs: ProcessRun[], goal?: Measured['goal']): Measured {
  return {
    tier,
    what,
    wallMs: percentile(runs.map((run) => run.wallMs), 0.5),
    cpuMs: percentile(runs.map((run) => run.cpuMs), 0.5),
    maxRssMiB: Math.max(...runs.map((run) => run.maxRssMiB)),
    goal,
  };
}

async function repeat<T>(times: number, action: () => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let index = 0; index < times; index += 1) results.push(await action());
  return results;
}

/** `npm start` until GET /health answers, `times` times: wall and CPU (npm's and the server's). */
async function serveTimes(times: number, environment: Record<string, string>): Promise<{ wallMs: number; cpuMs: number }> {
  const starts = await repeat(times, async () => {
    const server: StartedServer = await startServer('npm', ['start', '--silent'], environment);
    await server.stop();
    return server;
  });
  return { wallMs: percentile(starts.map((start) => start.healthAfterMs), 0.5), cpuMs: percentile(starts.map((start) => start.cpuMsUntilHealthy), 0.5) };
}

/** npm start is slower than a command: half as many runs. */
const serveRuns = (runs: number) => Math.ceil(runs / 2);

async function measurePglite(runs: number, log: (message: string) => void): Promise<Measured[]> {
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'rs-bench-cli-'));
  const environment = { RAGSPACE_DATA_DIR: path.join(scratch, 'data') };
  try {
    log('pglite: a new data directory (initdb), then its first tenant');
    const first = await measureRagspace(['init', '--key-file', path.join(scratch, 'key')], environment);
    const results: Measured[] = [summarise('pglite', 'ragspace init, new data directory', [first])];

    log('pglite: cold commands (this process opens PGlite)');
    results.push(summarise('pglite', 'ragspace org list, cold', await repeat(runs, () => measureRagspace(['org', 'list'], environment)), { wallMs: 3000 }));

    log('pglite: npm start until /health');
    const serve = await serveTimes(serveRuns(runs), environment);
    results.push({ tier: 'pglite', what: 'npm start → GET /health 200, existing data directory', ...serve, goal: { wallMs: 5000 } });

    log('pglite: commands while a server holds the database');
    const server = await startServer(process.execPath, ['bin/ragspace.js', 'serve'], environment);
    try {
      const warm = await repeat(runs, () => measureRagspace(['org', 'list'], environment));
      results.push(summarise('pglite', 'ragspace org list, server running', warm, { wallMs: 1500, cpuMs: 1000 }));
      const tsx = await repeat(Math.ceil(runs / 3), () => measureNode(['--import', 'tsx', 'src/cli/main.ts', 'org', 'list'], environment));
      results.push(summarise('pglite', 'same, compiled at run time by tsx (the old bin)', tsx));
    } finally {
      await server.stop();
    }
    return results;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function measurePostgres(context: ScenarioContext, runs: number, log: (message: string) => void): Promise<Measured[]> {
  const database = await context.openDatabase();
  const { connectionString } = await database.poolConfig(1);
  const environment = { DATABASE_URL: connectionString!, RAGSPACE_KEY_PEPPER: pepper };
  try {
    log('postgres: first tenant (migrations run here)');
    await measureRagspace(['init', '--json'], environment);
    log('postgres: commands');
    const results = [summarise('postgres', 'ragspace org list', await repeat(runs, () => measureRagspace(['org', 'list'], environment)), { wallMs: 1500, cpuMs: 1000 })];
    log('postgres: npm start until /health');
    const serve = await serveTimes(serveRuns(runs), environment);
    results.push({ tier: 'postgres', what: 'npm start → GET /health 200', ...serve, goal: { wallMs: 5000 } });
    return results;
  } finally {
    await database.close();
  }
}

function goalCell(measured: Measured): string {
  if (!measured.goal) return '';
  const wallMet = measured.wallMs <= measured.goal.wallMs;
  const cpuMet = measured.goal.cpuMs === undefined || (measured.cpuMs ?? Infinity) <= measured.goal.cpuMs;
  const goal = `≤ ${measured.goal.wallMs / 1000} s${measured.goal.cpuMs ? `, ≤ ${measured.goal.cpuMs / 1000} s CPU` : ''}`;
  return `${goal}: ${wallMet && cpuMet ? 'met' : 'NOT met'}`;
}

async function measureCliStartup(context: ScenarioContext): Promise<ScenarioReport> {
  const runs = sized(context, 7, 2);
  const log = (message: string) => context.log(message);
  const loadBefore = os.loadavg()[0]!;
  const bare = summarise(context.tier, 'node -e 0 (a bare Node process)', await repeat(runs, () => measureNode(['-e', '0'], {})));
  const measured = [bare, ...(context.tier === 'pglite' ? await measurePglite(runs, log) : await measurePostgres(context, runs, log))];
  const loadAfter = os.loadavg()[0]!;
  const rows = measured.map((entry) => [
    entry.what,
    round(entry.wallMs / 1000, 2),
    entry.cpuMs === undefined ? '' : round(entry.cpuMs / 1000, 2),
    entry.maxRssMiB === undefined ? '' : Math.round(entry.maxRssMiB),
    round(entry.wallMs / bare.wallMs, 1),
    goalCell(entry),
  ]);
  return {
    table: { columns: ['measured', 'wall s (p50)', 'CPU s (p50)', 'peak MiB', 'wall / bare node', 'goal'], rows },
    data: { runs, loadAverage: { before: round(loadBefore, 1), after: round(loadAfter, 1) }, cores: os.cpus().length, measured },
    notes: [
      `${runs} runs each (npm start: ${serveRuns(runs)}); medians. Load average ${round(loadBefore, 1)} before, ${round(loadAfter, 1)} after, on ${os.cpus().length} cores: wall times stretch with the load, CPU times much less.`,
      "CPU is the measured process's own (all its threads), from process.resourceUsage() at exit; for npm start, npm's and the server's until /health answered.",
    ],
  };
}

export const scenario: BenchScenario = {
  name: 'cli-startup',
  description: 'start-up of `ragspace <command>` (server running, cold, real PostgreSQL) and of `npm start` until /health',
  run: measureCliStartup,
};
