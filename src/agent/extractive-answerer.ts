// The offline answerer: no language model, so it answers with the retrieved sentences that best
// match the question, each cited. Honest about what it is: responses say model "extractive".
import { stemmer } from 'stemmer';
import { englishStopWords } from '../search/text-analysis.ts';
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

const listItemPattern = /^\s*(?:[-*+]|\d+[.)])\s+/;
// A quoted passage longer than this is more than an answer needs.
const maximumUnitLength = 700;

function plainText(markdown: string): string {
  return markdown
    .replace(/\*\*|__|`/g, '')
    .replace(/\[([^\]]+)\]\([^)]+\)/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The quotable units of a chunk: each sentence of a prose paragraph, and each list kept whole with
 * the line that introduces it ("If you forgot your password: 1. … 2. …"), since a procedure cut
 * into sentences stops making sense. Headings are labels, not statements, and are dropped.
 */
export function quotableUnits(content: string): string[] {
  const paragraphs = content
    .split(/\n\s*\n/)
    .map((paragraph) => paragraph.split('\n').filter((line) => !/^\s*#{1,6}\s/.test(line)).join('\n'))
    .filter((paragraph) => paragraph.trim() !== '');
  const units: string[] = [];
  for (let index = 0; index < paragraphs.length; index += 1) {
    const paragraph = paragraphs[index]!;
    const next = paragraphs[index + 1];
    if (listItemPattern.test(paragraph)) {
      units.push(plainText(paragraph));
    } else if (paragraph.trim().endsWith(':') && next && listItemPattern.test(next)) {
      units.push(plainText(`${paragraph} ${next}`));
      index += 1;
    } else {
      units.push(...[...sentenceSegmenter.segment(plainText(paragraph))].map((part) => part.segment.trim()));
    }
  }
  return units.filter((unit) => unit.length >= 20 && unit.length <= maximumUnitLength && /\p{L}/u.test(unit));
}

/**
 * Scores every quotable unit of the retrieved chunks by the query terms it contains, each weighted
 * by how rare it is among the candidates (so "vacation" outweighs "policy"), plus half that for
 * terms in its section's headings and a small bonus for the retrieval rank of its chunk. Returns the best, in reading order of rank.
 */
export function selectSentences(question: string, chunks: CitableChunk[], maximum = 3): ExtractedSentence[] {
  const queryTerms = new Set(contentTerms(question));
  if (queryTerms.size === 0) return [];
  const candidates = chunks.flatMap((chunk, rank) => {
    const headingTerms = new Set(contentTerms(chunk.headingPath.join(' ')));
    return quotableUnits(chunk.content).map((text, position) => ({ text, chunk, rank, position, headingTerms, terms: new Set(contentTerms(text)) }));
  });
  const documentFrequency = new Map<string, number>();
  for (const candidate of candidates) {
    for (const term of queryTerms) if (candidate.terms.has(term)) documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
  }
  const scored = candidates.map((candidate) => {
    let score = 0;
    let sectionBonus = 0;
    for (const term of queryTerms) {
      const weight = Math.log(1 + candidates.length / (documentFrequency.get(term) ?? 1));
      if (candidate.terms.has(term)) score += weight;
      // A sentence under a heading that names the question's topic is more likely the answer.
      if (candidate.headingTerms.has(term)) sectionBonus += weight / 2;
    }
    return { ...candidate, score: score > 0 ? score + sectionBonus + 0.2 / (candidate.rank + 1) : 0 };
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

/** Added when a retrieval source (the knowledge graph) could not be reached for this answer. */
export const partialSourcesNote = '(The knowledge graph could not be reached, so this answer comes from document search alone.)';

/** The answer text: selected sentences, each followed by its citation number. */
export function composeExtractiveAnswer(sentences: ExtractedSentence[], registry: CitationRegistry): string {
  if (sentences.length === 0) return noAnswerText;
  return sentences.map((sentence) => `${sentence.text} [${registry.register(sentence.chunk).number}]`).join(' ');
}
