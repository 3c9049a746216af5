// The one interface every embedding provider implements (ARCHITECTURE.md invariant 7): LangChain's
// Embeddings interface (embedDocuments, embedQuery), plus the name and size of its vector space.
// Built from the config by src/models/model-provider.ts.
import type { EmbeddingsInterface } from '@langchain/core/embeddings';

export interface Embedder extends EmbeddingsInterface {
  /** Identifies the vector space, e.g. "local:hashing-v1" or "openai:text-embedding-3-small". */
  readonly name: string;
  readonly dimensions: number;
}

/** pgvector's text form: 9 significant digits round-trip a float4 exactly. */
export function toVectorLiteral(vector: readonly number[]): string {
  return `[${vector.map((value) => (Number.isFinite(value) ? Number(value.toPrecision(9)) : 0)).join(',')}]`;
}

/**
 * False for the zero vector, which the local embedder returns for text with no content words
 * ("the"): it has no direction, so cosine similarity to it is undefined (NaN in pgvector).
 */
export function hasDirection(vector: readonly number[]): boolean {
  return vector.some((value) => value !== 0);
}
