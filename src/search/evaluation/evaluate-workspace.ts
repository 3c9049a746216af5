// Runs a test collection's queries against a workspace that holds its corpus (ingested with
// `ragspace ingest --beir`, so each document's source is its corpus id) and scores the rankings.
import { withWorkspace } from '../../db/workspace-scope.ts';
import type { Database } from '../../db/database.ts';
import type { WorkspaceContext } from '../../tenancy/workspace-context.ts';
import type { HybridOptions } from '../hybrid-search.ts';
import { maximumSearchLimit, type SearchDependencies } from '../search-request.ts';
import { search, type SearchMode } from '../search.ts';
import type { BeirQuery } from './beir-dataset.ts';
import { evaluateRankings, rankDocuments, type Judgements, type RetrievalEvaluation } from './metrics.ts';

export interface EvaluationOptions {
  mode: SearchMode;
  /** nDCG and MRR cut-off (trec_eval's ndcg_cut.k, recip_rank on the top k). */
  cutoff?: number;
  /** Recall depth (Recall@100 by default). */
  recallDepth?: number;
  hybrid?: HybridOptions;
  /** Called after each query, for progress. */
  onQuery?: (done: number, total: number) => void;
}

export interface WorkspaceEvaluation extends RetrievalEvaluation {
  mode: SearchMode;
  /** Mean search time per query, in milliseconds (embedding the query included). */
  meanQueryMs: number;
}

export async function evaluateWorkspace(
  dependencies: SearchDependencies,
  context: WorkspaceContext,
  queries: readonly BeirQuery[],
  qrels: ReadonlyMap<string, Judgements>,
  options: EvaluationOptions,
): Promise<WorkspaceEvaluation> {
  const cutoff = options.cutoff ?? 10;
  const recallDepth = options.recallDepth ?? 100;
  // Documents are ranked by their best chunk; several chunks of one document share its place,
  // so ask for more chunks than documents needed.
  const limit = Math.min(maximumSearchLimit, Math.max(cutoff, recallDepth) * 3);
  const judged = queries.filter((query) => qrels.has(query.id));
  const rankings = new Map<string, string[]>();
  let elapsed = 0;
  for (const [index, query] of judged.entries()) {
    const started = performance.now();
    const hits = await search(dependencies, context, options.mode, { query: query.text, limit }, options.hybrid);
    elapsed += performance.now() - started;
    rankings.set(query.id, rankDocuments(hits.map((hit) => hit.source)));
    options.onQuery?.(index + 1, judged.length);
  }
  const evaluation = evaluateRankings(rankings, qrels, { cutoff, recallDepth });
  return { ...evaluation, mode: options.mode, meanQueryMs: judged.length ? elapsed / judged.length : 0 };
}

/** How many of the judged documents the workspace holds (0 means the corpus was not ingested there). */
export function countJudgedDocuments(database: Database, context: WorkspaceContext, qrels: ReadonlyMap<string, Judgements>): Promise<number> {
  const sources = [...new Set([...qrels.values()].flatMap((judgements) => [...judgements.keys()]))];
  return withWorkspace(database, context, async (transaction) => {
    const { rows } = await transaction.query<{ count: number }>(
      'SELECT count(*)::integer AS count FROM documents WHERE workspace_id = $1 AND source = ANY ($2::text[]) AND published',
      [context.workspaceId, sources],
    );
    return rows[0]!.count;
  });
}
