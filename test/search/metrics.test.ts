// The retrieval metrics against values computed by hand (the trec_eval definitions).
import { describe, expect, it } from 'vitest';
import { evaluateRankings, ndcgAt, rankDocuments, recallAt, reciprocalRankAt } from '../../src/search/evaluation/metrics.ts';

// a, c, d are relevant (c with grade 2); b was judged not relevant.
const judgements = new Map([
  ['a', 1],
  ['b', 0],
  ['c', 2],
  ['d', 1],
]);
const ranking = ['b', 'a', 'x', 'c'];

describe('retrieval metrics', () => {
  it('computes nDCG with graded gain and an ideal ranking built from every judged document', () => {
    // DCG@3 = 1/log2(3); IDCG@3 = 2/log2(2) + 1/log2(3) + 1/log2(4)
    const idcg3 = 2 + 1 / Math.log2(3) + 0.5;
    expect(ndcgAt(ranking, judgements, 3)).toBeCloseTo(1 / Math.log2(3) / idcg3, 12);
    expect(ndcgAt(ranking, judgements, 3)).toBeCloseTo(0.201515, 6);
    // DCG@4 adds c (gain 2) at rank 4: 2/log2(5); the ideal's fourth gain is b's 0, so IDCG@4 = IDCG@3.
    expect(ndcgAt(ranking, judgements, 4)).toBeCloseTo((1 / Math.log2(3) + 2 / Math.log2(5)) / idcg3, 12);
    expect(ndcgAt(ranking, judgements, 4)).toBeCloseTo(0.476626, 6);
    expect(ndcgAt(['c', 'a', 'd'], judgements, 10)).toBeCloseTo(1, 12);
    expect(ndcgAt([], judgements, 10)).toBe(0);
    expect(ndcgAt(['a'], new Map([['a', 0]]), 10)).toBe(0);
  });

  it('computes recall over all relevant documents, ignoring those judged not relevant', () => {
    expect(recallAt(ranking, judgements, 2)).toBeCloseTo(1 / 3, 12);
    expect(recallAt(ranking, judgements, 4)).toBeCloseTo(2 / 3, 12);
    expect(recallAt(['b'], judgements, 100)).toBe(0);
  });

  it('computes the reciprocal rank of the first relevant document within the cut-off', () => {
    expect(reciprocalRankAt(ranking, judgements, 1)).toBe(0);
    expect(reciprocalRankAt(ranking, judgements, 2)).toBe(0.5);
    expect(reciprocalRankAt(['c'], judgements, 10)).toBe(1);
  });

  it('ranks documents by their best chunk', () => {
    expect(rankDocuments(['d1', 'd2', 'd1', 'd3', 'd2'])).toEqual(['d1', 'd2', 'd3']);
  });

  it('averages over judged queries, counting an unanswered query as zero and skipping queries without relevant documents', () => {
    const qrels = new Map([
      ['q1', new Map([['a', 1]])],
      ['q2', new Map([['b', 1]])],
      ['q3', new Map([['c', 0]])],
    ]);
    const rankings = new Map([['q1', ['a']]]);
    const result = evaluateRankings(rankings, qrels, { cutoff: 10, recallDepth: 100 });
    expect(result.queryCount).toBe(2);
    expect(result.ndcg).toBe(0.5);
    expect(result.recall).toBe(0.5);
    expect(result.mrr).toBe(0.5);
    expect(result.perQuery.map((row) => row.queryId)).toEqual(['q1', 'q2']);
  });
});
