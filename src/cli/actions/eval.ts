// ragspace eval, the work: run the collection's queries in each mode and score the rankings.
import { validationError } from '../../errors.ts';
import { readBeirQrels, readBeirQueries } from '../../search/evaluation/beir-dataset.ts';
import { countJudgedDocuments, evaluateWorkspace, type WorkspaceEvaluation } from '../../search/evaluation/evaluate-workspace.ts';
import { defaultHybridWeights } from '../../search/hybrid-search.ts';
import type { SearchMode } from '../../search/search.ts';
import type { Runtime } from '../../runtime.ts';
import { formatTable, printResult } from '../output.ts';
import { operatorContext } from '../workspace-context.ts';
import type { EvalCommandOptions } from '../commands/eval.ts';

export async function runEvalCommand(runtime: Runtime, options: EvalCommandOptions): Promise<WorkspaceEvaluation[]> {
  const context = await operatorContext(runtime.database, options.workspaceId);
  const [queries, qrels] = await Promise.all([readBeirQueries(options.dataset), readBeirQrels(options.dataset, options.split)]);
  if ((await countJudgedDocuments(runtime.database, context, qrels)) === 0) {
    throw validationError(
      `Workspace ${context.slug} holds none of the documents judged in ${options.dataset}; ingest the corpus first: ` +
        `ragspace ingest --workspace-id ${options.workspaceId} --beir ${options.dataset}`,
    );
  }
  const modes: SearchMode[] = options.mode === 'all' ? ['text', 'vector', 'hybrid'] : [options.mode];
  const hybrid = { textWeight: options.textWeight, vectorWeight: options.vectorWeight };
  const evaluations: WorkspaceEvaluation[] = [];
  for (const mode of modes) {
    evaluations.push(
      await evaluateWorkspace({ database: runtime.database, embedder: runtime.embedder }, context, queries, qrels, {
        mode,
        cutoff: options.k,
        recallDepth: options.recallDepth,
        hybrid,
      }),
    );
  }
  const k = options.k;
  printResult(
    options,
    {
      workspace: { id: context.workspaceId, slug: context.slug },
      dataset: options.dataset,
      embedder: runtime.embedder.name,
      hybrid: { ...defaultHybridWeights, ...Object.fromEntries(Object.entries(hybrid).filter(([, value]) => value !== undefined)) },
      results: evaluations.map(({ perQuery: _perQuery, ...evaluation }) => evaluation),
    },
    () =>
      formatTable(
        ['MODE', `nDCG@${k}`, `Recall@${options.recallDepth}`, `MRR@${k}`, 'QUERIES', 'MS/QUERY'],
        evaluations.map((evaluation) => [
          evaluation.mode,
          evaluation.ndcg.toFixed(4),
          evaluation.recall.toFixed(4),
          evaluation.mrr.toFixed(4),
          String(evaluation.queryCount),
          evaluation.meanQueryMs.toFixed(1),
        ]),
      ),
  );
  return evaluations;
}
