// The one source of ragspace's text analysis: the English stop words and the BM25 parameters.
//
// Chunk search analyses text in PostgreSQL with to_tsvector('english', …) (Snowball stemming and
// Snowball's English stop-word list), and scores BM25 in SQL (sql/010, sql/200). Everything in
// TypeScript that must agree with it takes its words and constants from here: the local
// embedder ignores the same stop words, the graph's BM25 (SQL built in graph-read-queries.ts,
// and the neo4j backend's in-process scoring) uses the same k1 and b and the same formula.
// SQL cannot import this file, so the SQL side is pinned by tests instead
// (test/search/text-analysis.test.ts): PostgreSQL's english dictionary must drop exactly these
// stop words, and the SQL scores must equal bm25Score() computed with these parameters.

/** The stop words of PostgreSQL's 'english' text search configuration (Snowball's list). */
export const englishStopWords: ReadonlySet<string> = new Set(
  `i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers herself
  it its itself they them their theirs themselves what which who whom this that these those am is are was were be
  been being have has had having do does did doing a an the and but if or because as until while of at by for with
  about against between into through during before after above below to from up down in out on off over under again
  further then once here there when where why how all any both each few more most other some such no nor not only own
  same so than too very s t can will just don should now`.split(/\s+/),
);

export function isStopWord(word: string): boolean {
  return englishStopWords.has(word);
}

/** BM25 as the reference implementations (Lucene, Anserini) use it on CISI: k1 = 1.2, b = 0.75. */
export const bm25Parameters = { k1: 1.2, b: 0.75 } as const;

export interface Bm25Statistics {
  documentCount: number;
  averageLength: number;
  /** Per query term: how many of the collection's documents contain it. */
  documentFrequency: ReadonlyMap<string, number>;
}

/** Lucene's non-negative inverse document frequency. */
export function bm25Idf(documentCount: number, documentFrequency: number): number {
  return Math.log(1 + (documentCount - documentFrequency + 0.5) / (documentFrequency + 0.5));
}

/**
 * BM25 of one document's terms for the query terms, query-term frequency counted (as the reference
 * BM25 does): Σ qtf · idf · tf · (k1 + 1) / (tf + k1 · (1 − b + b · length / avgdl)).
 */
export function bm25Score(queryTerms: readonly string[], documentTerms: readonly string[], statistics: Bm25Statistics): number {
  const { k1, b } = bm25Parameters;
  const termFrequency = new Map<string, number>();
  for (const term of documentTerms) termFrequency.set(term, (termFrequency.get(term) ?? 0) + 1);
  const queryFrequency = new Map<string, number>();
  for (const term of queryTerms) queryFrequency.set(term, (queryFrequency.get(term) ?? 0) + 1);
  const lengthRatio = statistics.averageLength > 0 ? documentTerms.length / statistics.averageLength : 1;
  let score = 0;
  for (const [term, queryCount] of queryFrequency) {
    const frequency = termFrequency.get(term) ?? 0;
    if (frequency === 0) continue;
    const idf = bm25Idf(statistics.documentCount, statistics.documentFrequency.get(term) ?? 0);
    score += (queryCount * idf * frequency * (k1 + 1)) / (frequency + k1 * (1 - b + b * lengthRatio));
  }
  return score;
}
