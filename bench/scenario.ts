// What a benchmark scenario is. Each file in bench/scenarios/ exports `scenario: BenchScenario`
// (or, the older way, one `run…Benchmark(options)` function, whose result is tabulated as is).
// Scenarios report numbers measured in the same run, preferably as ratios to a baseline measured
// beside them, because absolute times depend on the machine.

export interface ScenarioContext {
  log(message: string): void;
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

/** `--name <positive number>` from the command line of a scenario run on its own. */
export function numberArgument(name: string): number | undefined {
  const index = process.argv.indexOf(`--${name}`);
  if (index < 0) return undefined;
  const value = Number(process.argv[index + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} needs a positive number`);
  return value;
}
