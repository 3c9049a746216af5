// `npm run bench [-- [--quick] [--tier pglite|postgres] name …]`: runs the scenarios in
// bench/scenarios/ on every database tier (the embedded PGlite always; a real PostgreSQL when
// TEST_DATABASE_URL is set, as for the tests), prints a Markdown table per scenario and tier, and
// writes bench/results/latest.{json,md} (keeping the last results of scenarios not run).
// `--quick` runs every scenario on both tiers in under two minutes in all (smaller data), and
// writes bench/results/quick.{json,md} instead.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchScenario, ScenarioReport, ScenarioTable } from './scenario.ts';
import { prepareBenchTiers, type BenchTier } from './tiers.ts';

const benchDirectory = path.dirname(fileURLToPath(import.meta.url));
const scenariosDirectory = path.join(benchDirectory, 'scenarios');
const resultsDirectory = path.join(benchDirectory, 'results');
const quickBudgetSeconds = 120;

async function loadScenarios(): Promise<BenchScenario[]> {
  const files = (await readdir(scenariosDirectory)).filter((file) => file.endsWith('.ts')).sort();
  const scenarios: BenchScenario[] = [];
  for (const file of files) {
    const module = (await import(pathToFileURL(path.join(scenariosDirectory, file)).href)) as { scenario?: BenchScenario };
    if (module.scenario) scenarios.push(module.scenario);
  }
  return scenarios;
}

function markdownTable(table: ScenarioTable): string {
  const cell = (value: string | number) => String(value).replaceAll('|', '\\|');
  return [
    `| ${table.columns.map(cell).join(' | ')} |`,
    `| ${table.columns.map(() => '---').join(' | ')} |`,
    ...table.rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ].join('\n');
}

interface TierResult {
  database: string;
  measuredAt: string;
  machine: string;
  quick: boolean;
  seconds: number;
  report?: ScenarioReport;
  error?: string;
}

interface StoredScenario {
  description: string;
  tiers: Partial<Record<BenchTier, TierResult>>;
}

function tierSection(tier: BenchTier, result: TierResult): string {
  const heading = `### ${tier}: ${result.database}\n\n${result.measuredAt} on ${result.machine}${result.quick ? ', --quick' : ''}, ${result.seconds.toFixed(0)} s\n`;
  if (!result.report) return `${heading}\nFAILED: ${result.error}\n`;
  const notes = result.report.notes?.length ? `\n${result.report.notes.map((note) => `- ${note}`).join('\n')}\n` : '';
  return `${heading}\n${markdownTable(result.report.table)}\n${notes}`;
}

function section(name: string, stored: StoredScenario): string {
  const tiers = (Object.entries(stored.tiers) as Array<[BenchTier, TierResult]>).map(([tier, result]) => tierSection(tier, result));
  return [`## ${name}\n\n${stored.description}\n`, ...tiers].join('\n');
}

function parseArguments(argv: string[]) {
  const quick = argv.includes('--quick');
  const tierIndex = argv.indexOf('--tier');
  const onlyTier = tierIndex >= 0 ? argv[tierIndex + 1] : undefined;
  if (onlyTier !== undefined && onlyTier !== 'pglite' && onlyTier !== 'postgres') throw new Error('--tier takes pglite or postgres');
  const names = argv.filter((argument, index) => !argument.startsWith('-') && argv[index - 1] !== '--tier');
  return { quick, onlyTier: onlyTier as BenchTier | undefined, names };
}

const { quick, onlyTier, names } = parseArguments(process.argv.slice(2));
const all = await loadScenarios();
const unknown = names.filter((name) => !all.some((scenario) => scenario.name === name));
if (unknown.length > 0) {
  process.stderr.write(`error: unknown scenario ${unknown.join(', ')}; known: ${all.map((scenario) => scenario.name).join(', ')}\n`);
  process.exit(1);
}
const scenarios = names.length > 0 ? all.filter((scenario) => names.includes(scenario.name)) : all;
const machine = `${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GB, Node ${process.versions.node}`;

const benchTiers = await prepareBenchTiers();
const tiers = benchTiers.tiers.filter((tier) => !onlyTier || tier === onlyTier);
if (onlyTier && tiers.length === 0) throw new Error(`--tier ${onlyTier}: that tier is not available (TEST_DATABASE_URL unset?)`);
if (!benchTiers.tiers.includes('postgres')) {
  process.stderr.write('\n*** TEST_DATABASE_URL is not set: the real-PostgreSQL tier is SKIPPED; only PGlite runs. ***\n');
}

const resultsName = quick ? 'quick' : 'latest';
const latestJson = path.join(resultsDirectory, `${resultsName}.json`);
// Results of scenarios (and tiers) not run this time are kept from the file as it is when this run
// ends, so runs of one tier each may go on side by side (the older single-tier format is dropped).
const readResults = (): Promise<Record<string, StoredScenario>> =>
  readFile(latestJson, 'utf8')
    .then((text) => (JSON.parse(text) as { scenarios: Record<string, StoredScenario> }).scenarios)
    .then((stored) => Object.fromEntries(Object.entries(stored).filter(([, entry]) => entry.tiers)))
    .catch(() => ({}));
const results: Record<string, StoredScenario> = {};

let failed = false;
const runStarted = performance.now();
try {
  for (const scenario of scenarios) {
    const stored: StoredScenario = { description: scenario.description, tiers: {} };
    for (const tier of tiers) {
      process.stderr.write(`\n▶ ${scenario.name} on ${tier}: ${scenario.description}\n`);
      const started = performance.now();
      const base = { database: benchTiers.describe(tier), measuredAt: new Date().toISOString(), machine, quick };
      let result: TierResult;
      try {
        const report = await scenario.run({
          tier,
          quick,
          log: (message) => process.stderr.write(`  [${tier}] ${message}\n`),
          openDatabase: () => benchTiers.open(tier),
        });
        result = { ...base, seconds: (performance.now() - started) / 1000, report };
      } catch (error) {
        failed = true;
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        result = { ...base, seconds: (performance.now() - started) / 1000, error: message };
      }
      stored.tiers[tier] = result;
      process.stdout.write(`\n${tierSection(tier, result)}`);
    }
    results[scenario.name] = stored;
  }
} finally {
  await benchTiers.close();
}
const totalSeconds = (performance.now() - runStarted) / 1000;

await mkdir(resultsDirectory, { recursive: true });
const previous = await readResults();
for (const [name, stored] of Object.entries(results)) {
  previous[name] = { description: stored.description, tiers: { ...previous[name]?.tiers, ...stored.tiers } };
}
const ordered = Object.fromEntries(Object.entries(previous).sort(([a], [b]) => a.localeCompare(b)));
const markdown = ['# ragspace benchmarks\n', ...Object.entries(ordered).map(([name, stored]) => section(name, stored))].join('\n');
await writeFile(latestJson, `${JSON.stringify({ scenarios: ordered }, null, 2)}\n`);
await writeFile(path.join(resultsDirectory, `${resultsName}.md`), `${markdown}\n`);
process.stderr.write(`\n${scenarios.length} scenarios × ${tiers.length} tiers in ${totalSeconds.toFixed(0)} s; results: ${path.relative(process.cwd(), path.join(resultsDirectory, `${resultsName}.md`))}\n`);
if (quick && totalSeconds > quickBudgetSeconds) {
  process.stderr.write(`warning: --quick took ${totalSeconds.toFixed(0)} s, over its ${quickBudgetSeconds} s budget: shrink the scenarios' quick sizes\n`);
}
if (failed) process.exitCode = 1;
