import { prepareBenchTiers } from '../bench/tiers.ts';
import { ensureDeploymentEmbedder } from '../src/ingestion/embedders/deployment-embedder.ts';
import { createLocalEmbedder } from '../src/ingestion/embedders/local-embedder.ts';
import { toVectorLiteral } from '../src/ingestion/embedders/embedder.ts';
import { withWorkspace } from '../src/db/workspace-scope.ts';
import { benchOrganization, fillWorkspace, readCisiText } from '../bench/fixtures/cisi-workspaces.ts';
import { ensureVectorIndex, vectorIndexName } from '../src/search/vector-index.ts';
const tiers = await prepareBenchTiers();
for (const tier of tiers.tiers) {
  const bench = await tiers.open(tier);
  const { database } = bench;
  const embedder = createLocalEmbedder();
  await ensureDeploymentEmbedder(database, embedder);
  const add = await benchOrganization(database, 'plan');
  const ws = await add('big');
  const other = await add('other');
  const cisi = await readCisiText();
  await fillWorkspace({ database, embedder }, ws, cisi.abstracts, Number(process.argv[2] ?? 500), 1);
  await fillWorkspace({ database, embedder }, other, cisi.abstracts, 300, 2);
  await database.query('VACUUM ANALYZE');
  console.log(tier, await ensureVectorIndex(database, ws.workspaceId, { threshold: 100 }));
  const e = toVectorLiteral(await embedder.embedQuery('automatic indexing'));
  const plan = await withWorkspace(database, ws, async (t) => (await t.query<{ 'QUERY PLAN': string }>(`EXPLAIN ANALYZE SELECT c.id FROM chunks c WHERE c.workspace_id = '${ws.workspaceId}'::uuid AND c.embedding IS NOT NULL ORDER BY c.embedding <=> $1::vector LIMIT 10`, [e])).rows.map((r) => r['QUERY PLAN']).join('\n'));
  console.log(plan);
  const r = await withWorkspace(database, ws, async (t) => { await t.query('SELECT * FROM vector_chunk_scores($1, $2::vector, 10)', [ws.workspaceId, e]); return (await t.query('SELECT pg_stat_get_xact_numscans(to_regclass($1)) AS s, current_setting($2) AS ef', [vectorIndexName(ws.workspaceId), 'hnsw.ef_search'])).rows; });
  console.log(r);
  await bench.close();
}
await tiers.close();
