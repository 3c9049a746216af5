import { createMemoryDatabase } from '../src/db/pglite-database.ts';
import { migrate } from '../src/db/migrations.ts';
import { ensureDeploymentEmbedder } from '../src/ingestion/embedders/deployment-embedder.ts';
import { createLocalEmbedder } from '../src/ingestion/embedders/local-embedder.ts';
import { runIngestion } from '../src/ingestion/ingest-run.ts';
import { beirCorpusItems } from '../src/ingestion/sources/beir.ts';
import { readBeirQrels, readBeirQueries } from '../src/search/evaluation/beir-dataset.ts';
import { evaluateRankings, rankDocuments } from '../src/search/evaluation/metrics.ts';
import { search } from '../src/search/search.ts';
import { benchOrganization, cisiDirectory } from '../bench/fixtures/cisi-workspaces.ts';
const database = await createMemoryDatabase(); await migrate(database);
const embedder = createLocalEmbedder(); await ensureDeploymentEmbedder(database, embedder);
const ws = await (await benchOrganization(database, 'f'))('cisi');
await runIngestion({ database, embedder }, ws, beirCorpusItems(cisiDirectory));
const [queries, qrels] = await Promise.all([readBeirQueries(cisiDirectory), readBeirQrels(cisiDirectory)]);
const legs = new Map<string, { text: Array<{ s: string; id: string; score: number }>; vector: Array<{ s: string; id: string; score: number }> }>();
for (const q of queries) {
  const text = (await search({ database, embedder }, ws, 'text', { query: q.text, limit: 300 })).map((h) => ({ s: h.source, id: h.chunkId, score: h.score }));
  const vector = (await search({ database, embedder }, ws, 'vector', { query: q.text, limit: 300 })).map((h) => ({ s: h.source, id: h.chunkId, score: h.score }));
  legs.set(q.id, { text, vector });
}
type Fuse = (t: Array<{ s: string; id: string; score: number }>, v: Array<{ s: string; id: string; score: number }>) => string[];
const evaluate = (label: string, fuse: Fuse) => {
  const rankings = new Map<string, string[]>();
  for (const q of queries) { const l = legs.get(q.id)!; rankings.set(q.id, rankDocuments(fuse(l.text, l.vector))); }
  const e = evaluateRankings(rankings, qrels, { cutoff: 10, recallDepth: 100 });
  console.log(label.padEnd(40), e.ndcg.toFixed(4), e.recall.toFixed(4), e.mrr.toFixed(4));
};
const depth = 100;
const rrf = (wt: number, wv: number, k: number): Fuse => (t, v) => {
  const m = new Map<string, { s: string; f: number }>();
  t.slice(0, depth).forEach((h, i) => m.set(h.id, { s: h.s, f: (m.get(h.id)?.f ?? 0) + wt / (k + i + 1) }));
  v.slice(0, depth).forEach((h, i) => m.set(h.id, { s: h.s, f: (m.get(h.id)?.f ?? 0) + wv / (k + i + 1) }));
  return [...m.values()].sort((a, b) => b.f - a.f).map((x) => x.s);
};
const cc = (alpha: number, norm: 'minmax' | 'max' | 'z'): Fuse => (t, v) => {
  const nt = t.slice(0, depth), nv = v.slice(0, depth);
  const n = (xs: typeof nt) => { if (!xs.length) return new Map<string, number>(); const sc = xs.map((x) => x.score); const mx = Math.max(...sc), mn = Math.min(...sc);
    const mean = sc.reduce((a, b) => a + b, 0) / sc.length; const sd = Math.sqrt(sc.reduce((a, b) => a + (b - mean) ** 2, 0) / sc.length) || 1;
    return new Map(xs.map((x) => [x.id, norm === 'minmax' ? (mx > mn ? (x.score - mn) / (mx - mn) : 1) : norm === 'max' ? x.score / mx : (x.score - mean) / sd])); };
  const a = n(nt), b = n(nv); const src = new Map([...nt, ...nv].map((x) => [x.id, x.s]));
  const lowA = norm === 'z' ? Math.min(...a.values(), 0) : 0, lowB = norm === 'z' ? Math.min(...b.values(), 0) : 0;
  return [...src.keys()].map((id) => ({ s: src.get(id)!, f: (1 - alpha) * (a.get(id) ?? lowA) + alpha * (b.get(id) ?? lowB) })).sort((x, y) => y.f - x.f).map((x) => x.s);
};
evaluate('text', (t) => t.map((h) => h.s));
evaluate('vector', (_t, v) => v.map((h) => h.s));
evaluate('rrf 1:0.5 k60', rrf(1, 0.5, 60));
evaluate('rrf 1:0.25 k60', rrf(1, 0.25, 60));
for (const norm of ['minmax', 'max', 'z'] as const) for (const a of [0.1, 0.2, 0.3, 0.4, 0.5]) evaluate(`cc ${norm} a=${a}`, cc(a, norm));
await database.close();
