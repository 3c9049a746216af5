// Retrieval metrics computed as trec_eval computes them (ndcg_cut, recall, recip_rank on a run
// cut at k): gain is the judged relevance, a document counts as relevant when its judgement is > 0,
// and the ideal ranking for nDCG is built from every judged document of the query.

/** Judged documents of one query: document id → relevance (0 = judged not relevant). */
export type Judgements = ReadonlyMap<string, number>;

function gainOf(judgements: Judgements, documentId: string): number {
  return Math.max(judgements.get(documentId) ?? 0, 0);
}

function relevantCount(judgements: Judgements): number {
  let count = 0;
  for (const relevance of judgements.values()) if (relevance > 0) count += 1;
  return count;
}

/** nDCG@k: Σ gain / log2(rank + 1) over the top k, divided by the same sum for the ideal ranking. */
export function ndcgAt(ranked: readonly string[], judgements: Judgements, k: number): number {
  const discountedGain = (gains: number[]) => gains.slice(0, k).reduce((sum, gain, index) => sum + gain / Math.log2(index + 2), 0);
  const ideal = discountedGain([...judgements.values()].map((relevance) => Math.max(relevance, 0)).sort((a, b) => b - a));
  if (ideal === 0) return 0;
  return discountedGain(ranked.map((documentId) => gainOf(judgements, documentId))) / ideal;
}

/** Recall@k: relevant documents in the top k over all relevant documents. */
export function recallAt(ranked: readonly string[], judgements: Judgements, k: number): number {
  const total = relevantCount(judgements);
  if (total === 0) return 0;
  return ranked.slice(0, k).filter((documentId) => gainOf(judgements, documentId) > 0).length / total;
}

/** Reciprocal rank of the first relevant document in the top k (0 if none). */
export function reciprocalRankAt(ranked: readonly string[], judgements: Judgements, k: number): number {
  const index = ranked.slice(0, k).findIndex((documentId) => gainOf(judgements, documentId) > 0);
  return index < 0 ? 0 : 1 / (index + 1);
}

/** Keeps each document's first (best) appearance: chunk hits in rank order → document ranking. */
export function rankDocuments(documentIdsOfHits: readonly string[]): string[] {
  return [...new Set(documentIdsOfHits)];
}

export interface RetrievalScores {
  ndcg: number;
  recall: number;
  mrr: number;
}

export interface RetrievalEvaluation extends RetrievalScores {
  /** Queries averaged over: those with at least one relevant judgement. */
  queryCount: number;
  cutoff: number;
  recallDepth: number;
  perQuery: Array<{ queryId: string } & RetrievalScores>;
}

/**
 * Scores a ranking per judged query and averages. A judged query missing from `rankings` counts
 * as 0 (like trec_eval -c), so failing to answer cannot raise the average.
 */
export function evaluateRankings(
  rankings: ReadonlyMap<string, readonly string[]>,
  qrels: ReadonlyMap<string, Judgements>,
  options: { cutoff: number; recallDepth: number },
): RetrievalEvaluation {
  const perQuery: RetrievalEvaluation['perQuery'] = [];
  for (const [queryId, judgements] of qrels) {
    if (relevantCount(judgements) === 0) continue;
    const ranked = rankings.get(queryId) ?? [];
    perQuery.push({
      queryId,
      ndcg: ndcgAt(ranked, judgements, options.cutoff),
      recall: recallAt(ranked, judgements, options.recallDepth),
      mrr: reciprocalRankAt(ranked, judgements, options.cutoff),
    });
  }
  const mean = (key: keyof RetrievalScores) =>
    perQuery.length === 0 ? 0 : perQuery.reduce((sum, row) => sum + row[key], 0) / perQuery.length;
  return {
    ndcg: mean('ndcg'),
    recall: mean('recall'),
    mrr: mean('mrr'),
    queryCount: perQuery.length,
    cutoff: options.cutoff,
    recallDepth: options.recallDepth,
    perQuery,
  };
}
