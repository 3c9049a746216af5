// The embedder the graph needs. Structurally the same as the ingestion embedders, so any of them
// can be passed in; the graph only stores and compares vectors produced by one named embedder.
import { validationError } from '../errors.ts';

export interface GraphEmbedder {
  readonly name: string;
  readonly dimensions: number;
  embedDocuments(texts: string[]): Promise<number[][]>;
  embedQuery(text: string): Promise<number[]>;
}

/** Embeds `texts` and checks the embedder kept its promise about count and dimension. */
export async function embedAll(embedder: GraphEmbedder, texts: string[]): Promise<number[][]> {
  if (texts.length === 0) return [];
  const vectors = await embedder.embedDocuments(texts);
  if (vectors.length !== texts.length) {
    throw validationError(`Embedder ${embedder.name} returned ${vectors.length} vectors for ${texts.length} texts`);
  }
  for (const vector of vectors) assertDimensions(embedder, vector);
  return vectors;
}

export function assertDimensions(embedder: GraphEmbedder, vector: number[]): number[] {
  if (vector.length !== embedder.dimensions || vector.some((value) => !Number.isFinite(value))) {
    throw validationError(
      `Embedder ${embedder.name} returned a vector of ${vector.length} dimensions (expected ${embedder.dimensions} finite numbers)`,
    );
  }
  return vector;
}
