// Term analysis for the neo4j backend, which cannot call PostgreSQL's to_tsvector. Stop words and
// BM25 come from the one text-analysis module; scores use only one group's statistics
// (invariant 3: no IDF across tenants).
import { stemmer } from 'stemmer';
import { isStopWord } from '../search/text-analysis.ts';
import { normalizeText } from './names.ts';

/** Stemmed content words of `text`, in order, repeats kept (term frequency counts them). */
export function analyzeTerms(text: string): string[] {
  return normalizeText(text)
    .split(' ')
    .filter((word) => word.length > 0 && !isStopWord(word))
    .map((word) => stemmer(word));
}
