// Retrieval quality on CISI (nDCG@10, Recall@100, MRR@10 as trec_eval computes them) for the BM25,
// vector (local hashing embedder) and hybrid legs, a sweep of the hybrid weights that chose the
// defaults, and the ingestion throughput of the corpus (in-process PGlite, local embedder).
import { ensureDeploymentEmbedder } from '../../src/ingestion/embedders/deployment-embedder.ts';
import { createLocalEmbedder } from '../../src/ingestion/embedders/local-embedder.ts';
import { runIngestion } from '../../src/ingestion/ingest-run.ts';
import { beirCorpusItems } from '../../src/ingestion/sources/beir.ts';
import { readBeirQrels, readBeirQueries } from '../../src/search/evaluation/beir-dataset.ts';
import { evaluateWorkspace, type WorkspaceEvaluation } from '../../src/search/evaluation/evaluate-workspace.ts';
import { defaultHybridWeights, type HybridOptions } from '../../src/search/hybrid-search.ts';
import { createOrganization } from '../../src/tenancy/organizations.ts';
import { createWorkspaceContext } from '../../src/tenancy/workspace-context.ts';
import { createWorkspace } from '../../src/tenancy/workspaces.ts';
import { cisiDirectory } from '../fixtures/cisi-workspaces.ts';
import { round, withBenchDatabase, type BenchScenario } from '../scenario.ts';

const sweep: Array<{ label: string; options: HybridOptions }> = [
  { label: 'hybrid, vector weight 0.1', options: { textWeight: 1, vectorWeight: 0.1 } },
  { label: 'hybrid, vector weight 0.4', options: { textWeight: 1, vectorWeight: 0.4 } },
  { label: 'hybrid, vector weight 0.5', options: { textWeight: 1, vectorWeight: 0.5 } },
  { label: 'hybrid, vector weight 1', options: { textWeight: 1, vectorWeight: 1 } },
];

/** --quick ingests this many of CISI's documents (judged documents beyond them cannot be found, in every mode alike). */
const quickDocuments = 250;

async function* firstItems<T>(items: AsyncIterable<T>, count: number): AsyncGenerator<T> {
  if (count <= 0) return;
  let taken = 0;
  for await (const item of items) {
    yield item;
    taken += 1;
    if (taken >= count) return;
  }
}

export const scenario: BenchScenario = {
  name: 'retrieval-quality',
  description: 'CISI (1,460 documents, 76 queries): quality per search mode, hybrid weight sweep, ingestion throughput',
  run: (scenarioContext) =>
    withBenchDatabase(scenarioContext, async ({ database }) => {
      const { log, quick } = scenarioContext;
      const embedder = createLocalEmbedder();
      await ensureDeploymentEmbedder(database, embedder);
      const organization = await createOrganization(database, { name: 'Bench', slug: 'bench' });
      const workspace = await createWorkspace(database, { organization: organization.id, name: 'CISI', slug: 'cisi' });
      const context = createWorkspaceContext({ organizationId: organization.id, workspaceId: workspace.id });

      log('ingesting CISI');
      const corpus = quick ? firstItems(beirCorpusItems(cisiDirectory), quickDocuments) : beirCorpusItems(cisiDirectory);
      const ingestion = await runIngestion({ database, embedder }, context, corpus);
      if (ingestion.failed > 0) throw new Error(`${ingestion.failed} CISI documents failed to ingest`);
      log(`${ingestion.chunks} chunks in ${ingestion.seconds.toFixed(1)} s`);

      const [queries, qrels] = await Promise.all([readBeirQueries(cisiDirectory), readBeirQrels(cisiDirectory)]);
      const evaluations: Array<{ label: string; evaluation: WorkspaceEvaluation }> = [];
      const runs = [
        { label: 'text (BM25)', mode: 'text' as const },
        { label: 'vector (local:hashing-v1)', mode: 'vector' as const },
        { label: `hybrid (default: text ${defaultHybridWeights.textWeight}, vector ${defaultHybridWeights.vectorWeight}, scores over each leg's best)`, mode: 'hybrid' as const },
        ...(quick ? [] : sweep.map((entry) => ({ label: entry.label, mode: 'hybrid' as const, hybrid: entry.options }))),
      ];
      for (const run of runs) {
        log(`evaluating ${run.label}`);
        evaluations.push({ label: run.label, evaluation: await evaluateWorkspace({ database, embedder }, context, queries, qrels, run) });
      }
      const text = evaluations[0]!.evaluation;
      return {
        table: {
          columns: ['run', 'nDCG@10', 'Recall@100', 'MRR@10', 'nDCG@10 vs BM25', 'ms/query (limit 300)'],
          rows: evaluations.map(({ label, evaluation }) => [
            label,
            round(evaluation.ndcg, 4),
            round(evaluation.recall, 4),
            round(evaluation.mrr, 4),
            `${evaluation.ndcg >= text.ndcg ? '+' : ''}${round(((evaluation.ndcg - text.ndcg) / text.ndcg) * 100, 1)} %`,
            round(evaluation.meanQueryMs, 1),
          ]),
        },
        data: {
          ingestion: { documents: ingestion.documents, chunks: ingestion.chunks, seconds: round(ingestion.seconds, 2), chunksPerSecond: round(ingestion.chunksPerSecond, 1) },
          evaluations: evaluations.map(({ label, evaluation: { perQuery: _perQuery, ...evaluation } }) => ({ label, ...evaluation })),
        },
        notes: [
          `Ingestion: ${ingestion.documents} documents → ${ingestion.chunks} chunks in ${ingestion.seconds.toFixed(1)} s = ${ingestion.chunksPerSecond.toFixed(0)} chunks/s (local embedder, one transaction per document, BM25 postings written by trigger).`,
          'Reference BM25 on CISI: nDCG@10 ≈ 0.40, Recall@100 ≈ 0.45, MRR@10 ≈ 0.61.',
          ...(quick ? [`--quick: the first ${quickDocuments} documents only, so every mode scores below its full-corpus figure; compare modes, not runs.`] : []),
        ],
      };
    }),
};
