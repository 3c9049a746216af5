// The embedded default: a deterministic feature-hashing embedder that needs no model download.
// Each text becomes a bag of stemmed words (Porter stemmer, stop words removed) plus the character
// trigrams of each word, weighted by 1 + ln(count), hashed with a sign into `dimensions` buckets
// (the signed "hashing trick" keeps collisions unbiased), then L2-normalised so that cosine
// similarity is a dot product. It catches spelling variants and shared stems; it does not know
// synonyms. Same text, same vector, on every machine.
import { stemmer } from 'stemmer';
import type { Embedder } from './embedder.ts';
import { englishStopWords } from '../../search/text-analysis.ts';

export const localEmbedderName = 'local:hashing-v1';
export const defaultLocalDimensions = 1024;

export interface LocalEmbedderOptions {
  dimensions?: number;
  /** Weight of a word's trigrams relative to the word itself (shared across its trigrams). */
  trigramWeight?: number;
}

/** FNV-1a, 32 bits: fast, stable across platforms and versions. */
function hash32(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function words(text: string): string[] {
  return (
    text
      .normalize('NFKD')
      .replace(/\p{M}+/gu, '')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  ).filter((word) => !englishStopWords.has(word) && (word.length > 1 || /\d/.test(word)));
}

function trigrams(word: string): string[] {
  const marked = `<${word}>`;
  const grams: string[] = [];
  for (let index = 0; index + 3 <= marked.length; index += 1) grams.push(marked.slice(index, index + 3));
  return grams;
}

/** A local embedder, whose settings let another thread build the same function (ingestion workers). */
export interface LocalEmbedder extends Embedder {
  readonly settings: Required<LocalEmbedderOptions>;
}

// The embedders createLocalEmbedder made: a copy with another embedDocuments is not one of them.
const localEmbedders = new WeakSet<Embedder>();

export function isLocalEmbedder(embedder: Embedder): embedder is LocalEmbedder {
  return localEmbedders.has(embedder);
}

/** The embedding function itself: text → L2-normalised vector of `settings.dimensions`. */
export function createLocalVectorizer(settings: Required<LocalEmbedderOptions>): (text: string) => Float64Array {
  const { dimensions, trigramWeight } = settings;
  return (text) => {
    const counts = new Map<string, number>();
    const add = (feature: string, weight: number) => counts.set(feature, (counts.get(feature) ?? 0) + weight);
    for (const word of words(text)) {
      add(`w:${stemmer(word)}`, 1);
      const grams = trigrams(word);
      for (const gram of grams) add(`t:${gram}`, trigramWeight / grams.length);
    }
    const vector = new Float64Array(dimensions);
    for (const [feature, count] of counts) {
      const hash = hash32(feature);
      const sign = hash & 0x80000000 ? -1 : 1;
      vector[hash % dimensions]! += sign * (count >= 1 ? 1 + Math.log(count) : count);
    }
    let norm = 0;
    for (const value of vector) norm += value * value;
    norm = Math.sqrt(norm);
    if (norm > 0) for (let index = 0; index < dimensions; index += 1) vector[index]! /= norm;
    return vector;
  };
}

export function createLocalEmbedder(options: LocalEmbedderOptions = {}): LocalEmbedder {
  const dimensions = options.dimensions ?? defaultLocalDimensions;
  // 1 measured best on CISI among 0, 0.25, 0.5, 1, 2 (word bigrams were tried too: they hurt).
  const trigramWeight = options.trigramWeight ?? 1;
  if (!Number.isInteger(dimensions) || dimensions < 16 || dimensions > 16000) {
    throw new RangeError(`local embedder dimensions must be an integer between 16 and 16000 (got ${dimensions})`);
  }
  const settings = { dimensions, trigramWeight };
  const vectorize = createLocalVectorizer(settings);
  const embed = (text: string): number[] => Array.from(vectorize(text));

  const embedder: LocalEmbedder = {
    name: localEmbedderName,
    dimensions,
    settings,
    embedDocuments: async (texts) => texts.map(embed),
    embedQuery: async (text) => embed(text),
  };
  localEmbedders.add(embedder);
  return embedder;
}
