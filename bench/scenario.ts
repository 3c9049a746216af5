// What a benchmark scenario is. Each file in bench/scenarios/ exports `scenario: BenchScenario`.
// The runner calls it once per database tier (bench/tiers.ts: the embedded PGlite, and a real
// PostgreSQL when TEST_DATABASE_URL is set), each time with a fresh database. Scenarios report
// numbers measured in the same run, preferably as ratios to a baseline measured beside them
// (the peer, an exact scan, the floor), because absolute times depend on the machine and its load.
import type { BenchDatabase, BenchTier } from './tiers.ts';

export type { BenchDatabase, BenchTier };

export interface ScenarioContext {
  log(message: string): void;
  tier: BenchTier;
  /** `--quick`: every scenario on both tiers together in under two minutes (smaller data, fewer queries). */
  quick: boolean;
  /** A fresh, migrated database on this tier, for this run of the scenario; close it when done. */
  openDatabase(): Promise<BenchDatabase>;
}

export interface ScenarioTable {
  columns: string[];
  rows: Array<Array<string | number>>;
}

export interface ScenarioReport {
  /** Shown as a Markdown table. */
  table: ScenarioTable;
  /** Written to the JSON results. */
  data: unknown;
  /** Lines printed under the table (what the numbers mean, what was chosen). */
  notes?: string[];
}

export interface BenchScenario {
  /** Short kebab-case name: `npm run bench -- <name>` runs only the scenarios named. */
  name: string;
  description: string;
  run(context: ScenarioContext): Promise<ScenarioReport>;
}

/** `full` normally, `quick` under `--quick`. */
export function sized<T>(context: Pick<ScenarioContext, 'quick'>, full: T, quick: T): T {
  return context.quick ? quick : full;
}

/** Opens the scenario's database, runs `work`, and closes it whatever happens. */
export async function withBenchDatabase<T>(context: ScenarioContext, work: (bench: BenchDatabase) => Promise<T>): Promise<T> {
  const bench = await context.openDatabase();
  try {
    return await work(bench);
  } finally {
    await bench.close();
  }
}

/** A report for a scenario whose result is a plain object: one row per (dotted) key. */
export function keyValueReport(data: unknown, notes?: string[]): ScenarioReport {
  const flatten = (value: unknown, prefix = ''): Array<[string, string | number]> => {
    if (value === null || typeof value !== 'object') return [[prefix || 'value', typeof value === 'number' ? value : String(value)]];
    if (Array.isArray(value)) return [[prefix, JSON.stringify(value)]];
    return Object.entries(value as Record<string, unknown>).flatMap(([key, item]) => flatten(item, prefix ? `${prefix}.${key}` : key));
  };
  return { table: { columns: ['measure', 'value'], rows: flatten(data) }, data, ...(notes ? { notes } : {}) };
}

/** p50, p99 and mean of latencies in milliseconds. */
export function latencySummary(times: readonly number[]): { p50: number; p99: number; mean: number } {
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99), mean: times.reduce((sum, time) => sum + time, 0) / Math.max(times.length, 1) };
}

/** The value at `fraction` (0.5 = median) of `values`, nearest rank. */
export function percentile(values: readonly number[], fraction: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * fraction) - 1))]!;
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
