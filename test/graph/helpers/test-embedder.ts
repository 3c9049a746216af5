// A small deterministic embedder for graph tests: stemmed words and character trigrams hashed into a
// fixed number of dimensions, L2-normalised. Not a fake of storage; it produces real vectors.
import { createHash } from 'node:crypto';
import { stemmer } from 'stemmer';
import type { GraphEmbedder } from '../../../src/graph/embedder.ts';

function bucket(feature: string, dimensions: number): number {
  return createHash('sha1').update(feature).digest().readUInt32BE(0) % dimensions;
}

export function createTestEmbedder(dimensions = 128, name = `test-hashing-${dimensions}`): GraphEmbedder {
  const embed = (text: string): number[] => {
    const vector = new Array<number>(dimensions).fill(0);
    const words = text.toLowerCase().normalize('NFKD').replace(/[^a-z0-9 ]+/g, ' ').split(/\s+/).filter(Boolean);
    for (const word of words) {
      vector[bucket(`w:${stemmer(word)}`, dimensions)]! += 1;
      const padded = ` ${word} `;
      for (let index = 0; index + 3 <= padded.length; index += 1) vector[bucket(`t:${padded.slice(index, index + 3)}`, dimensions)]! += 0.5;
    }
    const length = Math.hypot(...vector) || 1;
    return vector.map((value) => value / length);
  };
  return {
    name,
    dimensions,
    embedDocuments: async (texts) => texts.map(embed),
    embedQuery: async (text) => embed(text),
  };
}
