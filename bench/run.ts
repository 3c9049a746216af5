// `npm run bench [-- name …]`: runs the scenarios in bench/scenarios/, prints a Markdown table per
// scenario, and writes bench/results/latest.{json,md} (keeping the last results of scenarios not run).
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchScenario, ScenarioReport, ScenarioTable } from './scenario.ts';

const benchDirectory = path.dirname(fileURLToPath(import.meta.url));
const scenariosDirectory = path.join(benchDirectory, 'scenarios');
const resultsDirectory = path.join(benchDirectory, 'results');

function flatten(value: unknown, prefix = ''): Array<[string, string | number]> {
  if (value === null || typeof value !== 'object') return [[prefix || 'value', typeof value === 'number' ? value : String(value)]];
  if (Array.isArray(value)) return [[prefix, JSON.stringify(value)]];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, item]) => flatten(item, prefix ? `${prefix}.${key}` : key));
}

/** A file that exports a `scenario`, or a single run…Benchmark function (tabulated key by key). */
async function loadScenarios(): Promise<BenchScenario[]> {
  const files = (await readdir(scenariosDirectory)).filter((file) => file.endsWith('.ts')).sort();
  const scenarios: BenchScenario[] = [];
  for (const file of files) {
    const module = (await import(pathToFileURL(path.join(scenariosDirectory, file)).href)) as Record<string, unknown>;
    if (module.scenario) {
      scenarios.push(module.scenario as BenchScenario);
      continue;
    }
    const runner = Object.entries(module).find(([name, value]) => /^run.*Benchmark$/.test(name) && typeof value === 'function');
    if (!runner) continue;
    const run = runner[1] as (options: { log: (message: string) => void }) => Promise<unknown>;
    scenarios.push({
      name: file.replace(/\.ts$/, ''),
      description: `${runner[0]}() from bench/scenarios/${file}`,
      async run(context) {
        const data = await run({ log: context.log });
        return { table: { columns: ['measure', 'value'], rows: flatten(data) }, data };
      },
    });
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

interface StoredResult {
  description: string;
  measuredAt: string;
  machine: string;
  seconds: number;
  report?: ScenarioReport;
  error?: string;
}

function section(name: string, result: StoredResult): string {
  const heading = `## ${name}\n\n${result.description} — ${result.measuredAt} on ${result.machine}, ${result.seconds.toFixed(0)} s\n`;
  if (!result.report) return `${heading}\nFAILED: ${result.error}\n`;
  const notes = result.report.notes?.length ? `\n${result.report.notes.map((note) => `- ${note}`).join('\n')}\n` : '';
  return `${heading}\n${markdownTable(result.report.table)}\n${notes}`;
}

const selected = process.argv.slice(2).filter((argument) => !argument.startsWith('-'));
const all = await loadScenarios();
const unknown = selected.filter((name) => !all.some((scenario) => scenario.name === name));
if (unknown.length > 0) {
  process.stderr.write(`error: unknown scenario ${unknown.join(', ')}; known: ${all.map((scenario) => scenario.name).join(', ')}\n`);
  process.exit(1);
}
const scenarios = selected.length > 0 ? all.filter((scenario) => selected.includes(scenario.name)) : all;
const machine = `${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GB, Node ${process.versions.node}`;

// Results of scenarios not run this time are kept from the previous run.
const latestJson = path.join(resultsDirectory, 'latest.json');
const results: Record<string, StoredResult> = await readFile(latestJson, 'utf8')
  .then((text) => (JSON.parse(text) as { scenarios: Record<string, StoredResult> }).scenarios)
  .catch(() => ({}));

let failed = false;
for (const scenario of scenarios) {
  process.stderr.write(`\n▶ ${scenario.name}: ${scenario.description}\n`);
  const started = performance.now();
  const measuredAt = new Date().toISOString();
  let result: StoredResult;
  try {
    const report = await scenario.run({ log: (message) => process.stderr.write(`  ${message}\n`) });
    result = { description: scenario.description, measuredAt, machine, seconds: (performance.now() - started) / 1000, report };
  } catch (error) {
    failed = true;
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    result = { description: scenario.description, measuredAt, machine, seconds: (performance.now() - started) / 1000, error: message };
  }
  results[scenario.name] = result;
  process.stdout.write(`\n${section(scenario.name, result)}`);
}

await mkdir(resultsDirectory, { recursive: true });
const ordered = Object.fromEntries(Object.entries(results).sort(([a], [b]) => a.localeCompare(b)));
const markdown = ['# ragspace benchmarks\n', ...Object.entries(ordered).map(([name, result]) => section(name, result))].join('\n');
await writeFile(latestJson, `${JSON.stringify({ scenarios: ordered }, null, 2)}\n`);
await writeFile(path.join(resultsDirectory, 'latest.md'), `${markdown}\n`);
process.stderr.write(`\nresults: ${path.relative(process.cwd(), path.join(resultsDirectory, 'latest.md'))}\n`);
if (failed) process.exitCode = 1;
