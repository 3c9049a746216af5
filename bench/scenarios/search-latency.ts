// Search latency per mode on a 10,000-chunk workspace while ten other workspaces (1,000 chunks
// each) share the database: p50/p99 of the full service call (query embedding, workspace
// transaction, SQL), as ratios to the exact vector scan measured in the same run, and to the floor
// (an empty workspace transaction).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { migrate } from '../../src/db/migrations.ts';
import { createMemoryDatabase } from '../../src/db/pglite-database.ts';
import { refreshPlannerStatistics } from '../../src/db/planner-statistics.ts';
import { withWorkspace } from '../../src/db/workspace-scope.ts';
import { ensureDeploymentEmbedder } from '../../src/ingestion/embedders/deployment-embedder.ts';
import { createLocalEmbedder } from '../../src/ingestion/embedders/local-embedder.ts';
import { runIngestion } from '../../src/ingestion/ingest-run.ts';
import type { IngestItem } from '../../src/ingestion/sources/ingest-item.ts';
import { readBeirQueries } from '../../src/search/evaluation/beir-dataset.ts';
import { search, searchModes } from '../../src/search/search.ts';
import { createOrganization } from '../../src/tenancy/organizations.ts';
import { createWorkspaceContext, type WorkspaceContext } from '../../src/tenancy/workspace-context.ts';
import { createWorkspace } from '../../src/tenancy/workspaces.ts';
import { percentile, round, type BenchScenario } from '../scenario.ts';
import { cisiDirectory } from './retrieval-quality.ts';
import { seededRandom } from '../../test/helpers/seeded-random.ts';

const targetChunks = 10_000;
const neighbours = 10;
const neighbourChunks = 1_000;
const measuredQueries = 150;
const chunking = { chunkSize: 128, chunkOverlap: 0 };

/** Documents of eight random CISI abstracts each (≈ 10 chunks of 128 tokens), until `chunks` are written. */
function* syntheticDocuments(abstracts: string[], seed: number, prefix: string): Generator<IngestItem> {
  const random = seededRandom(seed);
  for (let index = 0; ; index += 1) {
    const content = Array.from({ length: 8 }, () => abstracts[Math.floor(random() * abstracts.length)]).join('\n\n');
    yield { source: `${prefix}-${index}.txt`, read: async () => ({ source: `${prefix}-${index}.txt`, content }) };
  }
}

async function fill(dependencies: Parameters<typeof runIngestion>[0], context: WorkspaceContext, items: Generator<IngestItem>, chunks: number) {
  let written = 0;
  let seconds = 0;
  while (written < chunks) {
    // ≈ 10 chunks a document: small batches land close to the target.
    const documents = Math.max(1, Math.min(50, Math.ceil((chunks - written) / 10)));
    const batch = Array.from({ length: documents }, () => items.next().value as IngestItem);
    const summary = await runIngestion(dependencies, context, batch, chunking);
    if (summary.failed > 0) throw new Error(summary.results.find((result) => result.error)?.error?.message);
    written += summary.chunks;
    seconds += summary.seconds;
  }
  return { chunks: written, seconds };
}

export const scenario: BenchScenario = {
  name: 'search-latency',
  description: `p50/p99 per search mode on a ${targetChunks.toLocaleString('en')}-chunk workspace with ${neighbours} neighbours of ${neighbourChunks.toLocaleString('en')} chunks (in-process PGlite, local embedder)`,
  async run({ log }) {
    const abstracts = (await readFile(path.join(cisiDirectory, 'corpus.jsonl'), 'utf8'))
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => {
        const document = JSON.parse(line) as { title: string; text: string };
        return `${document.title}\n${document.text}`;
      });
    const queries = (await readBeirQueries(cisiDirectory)).map((query) => query.text);
    const database = await createMemoryDatabase();
    try {
      await migrate(database);
      const embedder = createLocalEmbedder();
      await ensureDeploymentEmbedder(database, embedder);
      const dependencies = { database, embedder };
      const organization = await createOrganization(database, { name: 'Bench', slug: 'bench' });
      const contextOf = async (slug: string): Promise<WorkspaceContext> => {
        const workspace = await createWorkspace(database, { organization: organization.id, name: slug, slug });
        return createWorkspaceContext({ organizationId: organization.id, workspaceId: workspace.id });
      };

      const main = await contextOf('main');
      const ingested = { chunks: 0, seconds: 0 };
      const add = (result: { chunks: number; seconds: number }) => {
        ingested.chunks += result.chunks;
        ingested.seconds += result.seconds;
      };
      for (let index = 0; index < neighbours; index += 1) {
        log(`neighbour ${index + 1}/${neighbours}`);
        add(await fill(dependencies, await contextOf(`neighbour-${index}`), syntheticDocuments(abstracts, 100 + index, `n${index}`), neighbourChunks));
      }
      log(`main workspace: ${targetChunks} chunks`);
      const mainFill = await fill(dependencies, main, syntheticDocuments(abstracts, 7, 'main'), targetChunks);
      add(mainFill);

      const measure = async (label: string, call: (query: string) => Promise<unknown>) => {
        for (const query of queries.slice(0, 10)) await call(query); // warm-up
        const times: number[] = [];
        for (let index = 0; index < measuredQueries; index += 1) {
          const started = performance.now();
          await call(queries[index % queries.length]!);
          times.push(performance.now() - started);
        }
        log(`${label}: p50 ${percentile(times, 0.5).toFixed(1)} ms`);
        return { label, p50: percentile(times, 0.5), p99: percentile(times, 0.99), mean: times.reduce((sum, time) => sum + time, 0) / times.length };
      };
      const floor = await measure('floor (empty workspace transaction)', () => withWorkspace(database, main, (transaction) => transaction.query('SELECT 1')));
      const embedding = await measure('query embedding only', (query) => embedder.embedQuery(query));
      const modes = [];
      for (const mode of searchModes) modes.push(await measure(mode, (query) => search(dependencies, main, mode, { query, limit: 10 })));
      // What the CLI and the first start do after a bulk load (PGlite has no autovacuum).
      await refreshPlannerStatistics(database, true);
      for (const mode of searchModes) {
        modes.push(await measure(`${mode}, after ANALYZE`, (query) => search(dependencies, main, mode, { query, limit: 10 })));
      }
      const vector = modes.find((entry) => entry.label === 'vector')!;
      const rows = [floor, embedding, ...modes].map((entry) => [
        entry.label,
        round(entry.p50, 1),
        round(entry.p99, 1),
        round(entry.p50 / vector.p50, 2),
        round(entry.p50 / floor.p50, 1),
      ]);
      return {
        table: { columns: ['call', 'p50 ms', 'p99 ms', 'p50 / exact vector p50', 'p50 / floor p50'], rows },
        data: {
          workspaceChunks: mainFill.chunks,
          neighbours,
          neighbourChunks,
          queries: measuredQueries,
          limit: 10,
          ingestion: { chunks: ingested.chunks, seconds: round(ingested.seconds, 1), chunksPerSecond: round(ingested.chunks / ingested.seconds, 1) },
          latencyMs: Object.fromEntries([floor, embedding, ...modes].map((entry) => [entry.label, { p50: round(entry.p50, 2), p99: round(entry.p99, 2), mean: round(entry.mean, 2) }])),
        },
        notes: [
          `Main workspace: ${mainFill.chunks} chunks (documents of 8 CISI abstracts, 128-token chunks); ${neighbours} neighbours × ≈${neighbourChunks} chunks; ${measuredQueries} CISI queries per mode, limit 10.`,
          `Ingestion of all ${ingested.chunks} chunks: ${(ingested.chunks / ingested.seconds).toFixed(0)} chunks/s.`,
          'vector = exact cosine scan of the workspace (no approximate index); text = BM25 over per-workspace postings; hybrid = both legs (top 100 each) fused by weighted RRF.',
        ],
      };
    } finally {
      await database.close();
    }
  },
};
