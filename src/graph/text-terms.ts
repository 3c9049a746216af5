// Term analysis and BM25 for the neo4j backend, which cannot call PostgreSQL's to_tsvector.
// Scores use only one group's statistics (invariant 3: no IDF across tenants).
import { stemmer } from 'stemmer';
import { normalizeText } from './names.ts';

const stopWords = new Set(
  ('a about above after again against all am an and any are as at be because been before being below between both but by ' +
    'can could did do does doing down during each few for from further had has have having he her here hers herself him himself ' +
    'his how i if in into is it its itself just me more most my myself no nor not now of off on once only or other our ours ' +
    'ourselves out over own same she should so some such than that the their theirs them themselves then there these they this ' +
    'those through to too under until up very was we were what when where which while who whom why will with would you your ' +
    'yours yourself yourselves')
    .split(' '),
);

export function isStopWord(word: string): boolean {
  return stopWords.has(word);
}

/** Stemmed content words of `text`, in order, repeats kept (term frequency counts them). */
export function analyzeTerms(text: string): string[] {
  return normalizeText(text)
    .split(' ')
    .filter((word) => word.length > 0 && !stopWords.has(word))
    .map((word) => stemmer(word));
}

export interface Bm25Statistics {
  documentCount: number;
  averageLength: number;
  /** Per query term: how many of the group's facts contain it. */
  documentFrequency: ReadonlyMap<string, number>;
}

const k1 = 1.2;
const b = 0.75;

/** BM25 of one fact's terms for the query terms (query-term frequency counted, as the reference BM25 does). */
export function bm25Score(queryTerms: readonly string[], factTerms: readonly string[], statistics: Bm25Statistics): number {
  const termFrequency = new Map<string, number>();
  for (const term of factTerms) termFrequency.set(term, (termFrequency.get(term) ?? 0) + 1);
  const queryFrequency = new Map<string, number>();
  for (const term of queryTerms) queryFrequency.set(term, (queryFrequency.get(term) ?? 0) + 1);
  const lengthRatio = statistics.averageLength > 0 ? factTerms.length / statistics.averageLength : 1;
  let score = 0;
  for (const [term, queryCount] of queryFrequency) {
    const frequency = termFrequency.get(term) ?? 0;
    if (frequency === 0) continue;
    const documentFrequency = statistics.documentFrequency.get(term) ?? 0;
    const idf = Math.log(1 + (statistics.documentCount - documentFrequency + 0.5) / (documentFrequency + 0.5));
    score += (queryCount * idf * frequency * (k1 + 1)) / (frequency + k1 * (1 - b + b * lengthRatio));
  }
  return score;
}
