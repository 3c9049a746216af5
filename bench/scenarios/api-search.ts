// Requests per second of POST /workspaces/:id/search (text mode, BM25) through a real listening
// server on 127.0.0.1 with keep-alive connections from autocannon, beside the same search called
// in-process with the same concurrency: the ratio is what HTTP, authentication, validation and
// serialisation cost on top of the search itself (goal: ≥ 0.8). autocannon runs in a child process.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { keyValueReport, percentile, sized, withBenchDatabase, type BenchScenario } from '../scenario.ts';
import { buildApp } from '../../src/api/app.ts';
import type { Database } from '../../src/db/database.ts';
import { ensureDeploymentEmbedder } from '../../src/ingestion/embedders/deployment-embedder.ts';
import { createLocalEmbedder } from '../../src/ingestion/embedders/local-embedder.ts';
import { ingestDocument } from '../../src/ingestion/documents.ts';
import { search } from '../../src/search/search.ts';
import { createApiKey } from '../../src/tenancy/api-keys.ts';
import { createOrganization } from '../../src/tenancy/organizations.ts';
import { createWorkspaceContext, type WorkspaceContext } from '../../src/tenancy/workspace-context.ts';
import { createWorkspace } from '../../src/tenancy/workspaces.ts';
import { benchRuntime } from '../fixtures/bench-runtime.ts';
import { cpuTotal, openCpuMeter, type CpuMeter, type CpuSeconds } from '../support/cpu-time.ts';
import { generateLoad } from '../support/load-generator.ts';

const datasetDirectory = new URL('../../../shared/datasets/cisi/', import.meta.url);

export interface ApiSearchOptions {
  database: Database;
  /** Seconds per measurement (each of HTTP and in-process); at most 10. */
  seconds?: number;
  /** CISI documents ingested into the workspace. */
  documents?: number;
  /** Concurrent keep-alive connections (and concurrent in-process callers). */
  connections?: number;
  log?: (message: string) => void;
  /** Measures the CPU each side costs a search. */
  meter: CpuMeter;
}

/** CPU milliseconds one search costs, where they are spent, and how busy the cores were. */
export interface CpuPerSearch {
  server: number;
  /** The PostgreSQL server's processes; null on PGlite (in the server process) or when not visible. */
  database: number | null;
  /** autocannon's own process; 0 in-process, where the callers are part of the server's CPU. */
  loadGenerator: number;
  coresBusy: number;
}

export interface ApiSearchResult {
  scenario: 'api-search';
  documents: number;
  chunks: number;
  queries: number;
  connections: number;
  seconds: number;
  http: { requestsPerSecond: number; latencyMs: { p50: number; p99: number; average: number }; non2xx: number; errors: number };
  inProcess: { searches: number; searchesPerSecond: number; latencyMs: { p50: number; p99: number } };
  /** HTTP requests/s divided by in-process searches/s. */
  ratio: number;
  cpu: {
    http: CpuPerSearch;
    inProcess: CpuPerSearch;
    /** In-process CPU per search ÷ HTTP's: the ratio's bound when both keep every core busy. */
    cpuBoundRatio: number;
  };
}

function cpuPerSearch(cpu: CpuSeconds, loadGenerator: number, searches: number, seconds: number): CpuPerSearch {
  const perSearch = (value: number) => Number(((value / Math.max(searches, 1)) * 1000).toFixed(3));
  return {
    server: perSearch(cpu.process),
    database: cpu.database === null ? null : perSearch(cpu.database),
    loadGenerator: perSearch(loadGenerator),
    coresBusy: Number(((cpuTotal(cpu) + loadGenerator) / seconds).toFixed(2)),
  };
}

const totalPerSearch = (cpu: CpuPerSearch) => cpu.server + (cpu.database ?? 0) + cpu.loadGenerator;

async function readJsonLines<Row>(file: URL, limit: number): Promise<Row[]> {
  const rows: Row[] = [];
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    rows.push(JSON.parse(line) as Row);
    if (rows.length >= limit) break;
  }
  lines.close();
  return rows;
}

async function measureInProcess(
  runSearch: (query: string) => Promise<unknown>,
  queries: string[],
  connections: number,
  seconds: number,
): Promise<ApiSearchResult['inProcess']> {
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  let next = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      const query = queries[next++ % queries.length]!;
      const started = performance.now();
      await runSearch(query);
      latencies.push(performance.now() - started);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, worker));
  const elapsedSeconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    searches: latencies.length,
    searchesPerSecond: Math.round(latencies.length / elapsedSeconds),
    latencyMs: { p50: Number(percentile(latencies, 0.5).toFixed(2)), p99: Number(percentile(latencies, 0.99).toFixed(2)) },
  };
}

export async function runApiSearchBenchmark(options: ApiSearchOptions): Promise<ApiSearchResult> {
  const { database } = options;
  const seconds = Math.min(Math.max(options.seconds ?? 5, 1), 10);
  const documentCount = options.documents ?? 300;
  const connections = options.connections ?? 8;
  const log = options.log ?? (() => undefined);

  const embedder = createLocalEmbedder();
  await ensureDeploymentEmbedder(database, embedder);
  const organization = await createOrganization(database, { name: 'Bench' });
  const workspace = await createWorkspace(database, { organization: organization.id, name: 'CISI' });
  const context: WorkspaceContext = createWorkspaceContext({ organizationId: organization.id, workspaceId: workspace.id, scopes: ['search'] });

  log(`ingesting ${documentCount} CISI documents`);
  const corpus = await readJsonLines<{ _id: string; title: string; text: string }>(new URL('corpus.jsonl', datasetDirectory), documentCount);
  let chunks = 0;
  for (const document of corpus) {
    const result = await ingestDocument({ database, embedder }, context, {
      source: document._id,
      title: document.title || document._id,
      content: document.text || document.title,
      contentType: 'text/plain',
    });
    chunks += result.chunkCount;
  }
  const queries = (await readJsonLines<{ text: string }>(new URL('queries.jsonl', datasetDirectory), 50)).map((query) => query.text.slice(0, 500));

  // No rate limit: the measurement is the request path.
  const runtime = benchRuntime(database, embedder);
  const { secret } = await createApiKey(database, runtime.keyPepper, context, { scopes: ['search'] });
  const app = await buildApp(runtime, { rateLimit: false });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });

  try {
    const path = `/workspaces/${workspace.id}/search`;
    const headers = { authorization: `Bearer ${secret}`, 'content-type': 'application/json' };
    const requests = queries.map((query) => ({ method: 'POST' as const, path, headers, body: JSON.stringify({ query, mode: 'text', limit: 10 }) }));

    // A short warm-up so neither side pays first-call costs inside the measurement.
    await generateLoad({ url: address, connections: 2, duration: 1, pipelining: 1, requests });
    log(`HTTP: ${connections} keep-alive connections for ${seconds} s`);
    const { meter } = options;
    const httpRun = await meter.measure(() => generateLoad({ url: address, connections, duration: seconds, pipelining: 1, requests }));
    const http = httpRun.result;

    log(`in-process: ${connections} concurrent callers for ${seconds} s`);
    const inProcessRun = await meter.measure(() =>
      measureInProcess((query) => search({ database, embedder }, context, 'text', { query, limit: 10 }), queries, connections, seconds),
    );
    const inProcess = inProcessRun.result;
    // Cores busy over the load's own duration: the window also holds the load generator's start-up.
    const cpuHttp = cpuPerSearch(httpRun.cpu, http.cpuSeconds, http.requests.total, seconds);
    const cpuInProcess = cpuPerSearch(inProcessRun.cpu, 0, inProcess.searches, inProcessRun.seconds);
    const requestsPerSecond = Math.round(http.requests.total / seconds);
    return {
      scenario: 'api-search',
      documents: corpus.length,
      chunks,
      queries: queries.length,
      connections,
      seconds,
      http: {
        requestsPerSecond,
        latencyMs: { p50: http.latency.p50, p99: http.latency.p99, average: http.latency.average },
        non2xx: http.non2xx,
        errors: http.errors + http.timeouts,
      },
      inProcess,
      ratio: Number((requestsPerSecond / Math.max(inProcess.searchesPerSecond, 1)).toFixed(3)),
      cpu: { http: cpuHttp, inProcess: cpuInProcess, cpuBoundRatio: Number((totalPerSearch(cpuInProcess) / totalPerSearch(cpuHttp)).toFixed(3)) },
    };
  } finally {
    await app.close();
  }
}

export const scenario: BenchScenario = {
  name: 'api-search',
  description: 'POST /workspaces/:id/search (text) over HTTP with keep-alive vs the same search in-process, same concurrency (goal: ratio ≥ 0.8)',
  run: (context) =>
    withBenchDatabase(context, async (bench) =>
      keyValueReport(
        await runApiSearchBenchmark({
          database: bench.database,
          seconds: sized(context, 5, 1),
          documents: sized(context, 300, 20),
          log: context.log,
          meter: await openCpuMeter(bench),
        }),
        [
          'cpu: milliseconds of CPU a search costs in the server process (every thread; on PGlite the database too), the PostgreSQL server (when on this machine) and autocannon, and the cores busy meanwhile. When both sides keep every core busy, the ratio cannot pass cpu.cpuBoundRatio: in-process CPU a search ÷ HTTP CPU a request.',
        ],
      ),
    ),
};
