// Retrieval quality on the CISI test collection (1,460 abstracts, 76 judged queries), ingested
// whole through the real pipeline. The reference BM25 scores nDCG@10 ≈ 0.40 on it; ours must too.
// The dataset lives beside the repository (../shared/datasets/cisi), as on every developer machine and in CI.
import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { ensureDeploymentEmbedder } from '../../src/ingestion/embedders/deployment-embedder.ts';
import { createLocalEmbedder } from '../../src/ingestion/embedders/local-embedder.ts';
import { runIngestion } from '../../src/ingestion/ingest-run.ts';
import { beirCorpusItems } from '../../src/ingestion/sources/beir.ts';
import { readBeirQrels, readBeirQueries, type BeirQuery } from '../../src/search/evaluation/beir-dataset.ts';
import { evaluateWorkspace } from '../../src/search/evaluation/evaluate-workspace.ts';
import type { Judgements } from '../../src/search/evaluation/metrics.ts';
import type { WorkspaceContext } from '../../src/tenancy/workspace-context.ts';
import { createTestDatabase, createTestTenant } from '../helpers/database.ts';

const cisiDirectory = fileURLToPath(new URL('../../../shared/datasets/cisi', import.meta.url));

describe('retrieval quality on CISI', () => {
  let database: Database;
  let context: WorkspaceContext;
  let queries: BeirQuery[];
  let qrels: Map<string, Judgements>;
  const embedder = createLocalEmbedder();

  beforeAll(async () => {
    const found = await stat(`${cisiDirectory}/corpus.jsonl`).catch(() => undefined);
    if (!found) throw new Error(`The CISI dataset is missing: expected ${cisiDirectory}/corpus.jsonl (../shared/datasets/cisi beside the repository)`);
    database = await createTestDatabase();
    await ensureDeploymentEmbedder(database, embedder);
    context = await createTestTenant(database);
    const summary = await runIngestion({ database, embedder }, context, beirCorpusItems(cisiDirectory));
    expect(summary).toMatchObject({ documents: 1460, created: 1460, failed: 0 });
    [queries, qrels] = await Promise.all([readBeirQueries(cisiDirectory), readBeirQrels(cisiDirectory)]);
    // Ingesting 1,460 documents takes minutes on a busy machine.
  }, 600_000);
  afterAll(() => database?.close());

  it('reaches the reference BM25 with the text leg', async () => {
    const text = await evaluateWorkspace({ database, embedder }, context, queries, qrels, { mode: 'text' });
    expect(text.queryCount).toBe(76);
    expect(text.ndcg).toBeGreaterThanOrEqual(0.39);
    expect(text.recall).toBeGreaterThanOrEqual(0.43);
    expect(text.mrr).toBeGreaterThanOrEqual(0.6);
  });

  it('fuses the legs without falling below the better one', async () => {
    const text = await evaluateWorkspace({ database, embedder }, context, queries, qrels, { mode: 'text' });
    const vector = await evaluateWorkspace({ database, embedder }, context, queries, qrels, { mode: 'vector' });
    expect(vector.ndcg).toBeGreaterThanOrEqual(0.3);
    const hybrid = await evaluateWorkspace({ database, embedder }, context, queries, qrels, { mode: 'hybrid' });
    // The local embedder is lexical: hybrid must hold BM25's quality, not dilute it (measured 0.406 vs 0.403).
    expect(hybrid.ndcg).toBeGreaterThanOrEqual(Math.max(text.ndcg, vector.ndcg));
    expect(hybrid.recall).toBeGreaterThanOrEqual(0.43);
  });
});
