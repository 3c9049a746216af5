// Where a workspace should get an HNSW index of its own (src/search/vector-index.ts): vector
// search p50 of one workspace, exact (through its btree) and through its own partial HNSW index,
// as it grows, with the time the index build takes at each size (on PGlite the build holds every
// tenant's statements for that long). Another workspace of the same size shares the table.
import { ensureDeploymentEmbedder } from '../../src/ingestion/embedders/deployment-embedder.ts';
import { createLocalEmbedder } from '../../src/ingestion/embedders/local-embedder.ts';
import { configureVectorIndexing, dropVectorIndex, ensureVectorIndex, vectorIndexThreshold } from '../../src/search/vector-index.ts';
import { vectorSearch } from '../../src/search/vector-search.ts';
import { benchOrganization, copyWorkspaceRows, fillWorkspace, readCisiText, readWorkspaceRows } from '../fixtures/cisi-workspaces.ts';
import { latencySummary, round, sized, withBenchDatabase, type BenchScenario } from '../scenario.ts';

export const scenario: BenchScenario = {
  name: 'vector-index-threshold',
  description: 'Vector search p50 of a growing workspace: exact scan vs its own HNSW index, and the build time of that index, per size',
  run: (context) =>
    withBenchDatabase(context, async ({ database }) => {
      const { log } = context;
      const sizes = sized(context, [500, 1_000, 2_000, 4_000, 8_000], [250, 500]);
      const cisi = await readCisiText();
      const queries = cisi.queries(sized(context, 100, 30));
      const embedder = createLocalEmbedder();
      await ensureDeploymentEmbedder(database, embedder);
      // This scenario builds and drops the index itself; searches must not do it behind its back.
      configureVectorIndexing(database, { automatic: false });
      const dependencies = { database, embedder };
      const addWorkspace = await benchOrganization(database, 'bench-threshold');
      const seed = await addWorkspace('seed');
      await fillWorkspace(dependencies, seed, cisi.abstracts, sizes[0]!, 11);
      const seedRows = await readWorkspaceRows(database, seed);
      const measured = await addWorkspace('measured');
      let chunks = 0;
      const p50 = async () => {
        for (const query of queries.slice(0, 5)) await vectorSearch(dependencies, measured, { query, limit: 10 });
        const times: number[] = [];
        for (const query of queries) {
          const started = performance.now();
          await vectorSearch(dependencies, measured, { query, limit: 10 });
          times.push(performance.now() - started);
        }
        return latencySummary(times);
      };
      const rows: Array<Array<string | number>> = [];
      const data = [];
      for (const size of sizes) {
        for (let copy = Math.round(chunks / seedRows.chunks.length); chunks < size; copy += 1) {
          await copyWorkspaceRows(database, measured, seedRows, `#${copy}`);
          chunks += seedRows.chunks.length;
        }
        await database.query('VACUUM ANALYZE');
        await dropVectorIndex(database, measured.workspaceId);
        const exact = await p50();
        const started = performance.now();
        const outcome = await ensureVectorIndex(database, measured.workspaceId, { threshold: 0 });
        const buildSeconds = (performance.now() - started) / 1000;
        const hnsw = await p50();
        log(`${chunks} chunks: exact p50 ${exact.p50.toFixed(2)} ms, HNSW p50 ${hnsw.p50.toFixed(2)} ms (${outcome} in ${buildSeconds.toFixed(1)} s)`);
        rows.push([chunks, round(exact.p50, 2), round(exact.p99, 2), round(hnsw.p50, 2), round(hnsw.p99, 2), round(hnsw.p50 / exact.p50, 3), round(buildSeconds, 2)]);
        data.push({ chunks, exact, hnsw, buildSeconds });
      }
      return {
        table: { columns: ['workspace chunks', 'exact p50 ms', 'exact p99 ms', 'own HNSW p50 ms', 'own HNSW p99 ms', 'HNSW / exact p50', 'index build s'], rows },
        data,
        notes: [
          `Full vector search calls (query embedding, workspace transaction, SQL), ${queries.length} queries, limit 10; the workspace grows by copies of a ${seedRows.chunks.length}-chunk CISI workspace.`,
          `The threshold in use: ${vectorIndexThreshold} chunks (src/search/vector-index.ts).`,
        ],
      };
    }),
};
