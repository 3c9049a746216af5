// The offline answerer: no language model, so it answers with the retrieved sentences that best
// match the question, each cited. Honest about what it is: responses say model "extractive".
import { stemmer } from 'stemmer';
import { englishStopWords } from '../ingestion/embedders/stop-words.ts';
import type { CitableChunk, CitationRegistry } from './citations.ts';

export interface ExtractedSentence {
  text: string;
  chunk: CitableChunk;
  score: number;
}

const sentenceSegmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

export function contentTerms(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])
    .filter((word) => !englishStopWords.has(word) && word.length > 1)
    .map((word) => stemmer(word));
}

function sentencesOf(content: string): string[] {
  // Headings are labels, not statements: drop them before joining lines into sentences.
  const prose = content
    .split('\n')
    .filter((line) => !/^\s*#{1,6}\s/.test(line))
    .join(' ')
    .replace(/\s+/g, ' ');
  return [...sentenceSegmenter.segment(prose)]
    .map((part) => part.segment.trim())
    .filter((sentence) => sentence.length >= 20 && /[\p{L}]/u.test(sentence));
}

/**
 * Scores every sentence of the retrieved chunks by the query terms it contains, each weighted by
 * how rare it is among the candidate sentences (so "vacation" outweighs "policy"), plus a small
 * bonus for the retrieval rank of its chunk. Returns the best, in reading order of rank.
 */
export function selectSentences(question: string, chunks: CitableChunk[], maximum = 3): ExtractedSentence[] {
  const queryTerms = new Set(contentTerms(question));
  if (queryTerms.size === 0) return [];
  const candidates = chunks.flatMap((chunk, rank) =>
    sentencesOf(chunk.content).map((text, position) => ({ text, chunk, rank, position, terms: new Set(contentTerms(text)) })),
  );
  const documentFrequency = new Map<string, number>();
  for (const candidate of candidates) {
    for (const term of queryTerms) if (candidate.terms.has(term)) documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
  }
  const scored = candidates.map((candidate) => {
    let score = 0;
    for (const term of queryTerms) {
      const frequency = documentFrequency.get(term);
      if (frequency && candidate.terms.has(term)) score += Math.log(1 + candidates.length / frequency);
    }
    return { ...candidate, score: score > 0 ? score + 0.2 / (candidate.rank + 1) : 0 };
  });
  const best = Math.max(0, ...scored.map((candidate) => candidate.score));
  const seen = new Set<string>();
  return scored
    .filter((candidate) => candidate.score > 0 && candidate.score >= best * 0.5)
    .sort((first, second) => second.score - first.score)
    .filter((candidate) => !seen.has(candidate.text) && seen.add(candidate.text))
    .slice(0, maximum)
    .sort((first, second) => first.rank - second.rank || first.position - second.position)
    .map(({ text, chunk, score }) => ({ text, chunk, score }));
}

export const noAnswerText = "I could not find an answer to that in this workspace's documents.";

/** The answer text: selected sentences, each followed by its citation number. */
export function composeExtractiveAnswer(sentences: ExtractedSentence[], registry: CitationRegistry): string {
  if (sentences.length === 0) return noAnswerText;
  return sentences.map((sentence) => `${sentence.text} [${registry.register(sentence.chunk).number}]`).join(' ');
}
