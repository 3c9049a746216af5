// The embedder the graph needs is the deployment's embedder (src/models/model-provider.ts). The graph
// stores each vector with the embedder's name and only compares vectors of the same embedder. An
// embedder that breaks its promise is an upstream fault (502), not the client's.
import { upstreamError } from '../errors.ts';
import type { Embedder } from '../ingestion/embedders/embedder.ts';

export type GraphEmbedder = Embedder;

/** Embeds `texts` and checks the embedder kept its promise about count and dimension. */
export async function embedAll(embedder: GraphEmbedder, texts: string[]): Promise<number[][]> {
  if (texts.length === 0) return [];
  const vectors = await embedder.embedDocuments(texts);
  if (vectors.length !== texts.length) {
    throw upstreamError(`Embedder ${embedder.name} returned ${vectors.length} vectors for ${texts.length} texts`);
  }
  for (const vector of vectors) assertDimensions(embedder, vector);
  return vectors;
}

export function assertDimensions(embedder: GraphEmbedder, vector: number[]): number[] {
  if (vector.length !== embedder.dimensions || vector.some((value) => !Number.isFinite(value))) {
    throw upstreamError(
      `Embedder ${embedder.name} returned a vector of ${vector.length} dimensions (expected ${embedder.dimensions} finite numbers)`,
    );
  }
  return vector;
}
