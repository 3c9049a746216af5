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

/** Bytes of one vector in pgvector's binary form (vector_recv): int16 dimensions, int16 unused, float4 values, big-endian. */
export function binaryVectorLength(dimensions: number): number {
  return 4 + 4 * dimensions;
}

/**
 * Packs vectors in pgvector's binary form, one record after another. Sent as a binary parameter,
 * a vector costs microseconds instead of the ≈ 0.9 ms of formatting 1,024 numbers as text.
 */
export function packBinaryVectors(vectors: readonly ArrayLike<number>[], dimensions: number): Uint8Array {
  const recordLength = binaryVectorLength(dimensions);
  const packed = new Uint8Array(recordLength * vectors.length);
  const view = new DataView(packed.buffer);
  vectors.forEach((vector, index) => {
    const offset = index * recordLength;
    view.setInt16(offset, dimensions);
    for (let position = 0; position < dimensions; position += 1) {
      const value = vector[position]!;
      view.setFloat32(offset + 4 + 4 * position, Number.isFinite(value) ? value : 0);
    }
  });
  return packed;
}

/** The text form of one packed record (for a driver that cannot send binary parameters). */
export function binaryVectorToLiteral(record: Uint8Array): string {
  const view = new DataView(record.buffer, record.byteOffset, record.byteLength);
  const dimensions = view.getInt16(0);
  return toVectorLiteral(Array.from({ length: dimensions }, (_, position) => view.getFloat32(4 + 4 * position)));
}

/**
 * False for the zero vector, which the local embedder returns for text with no content words
 * ("the"): it has no direction, so cosine similarity to it is undefined (NaN in pgvector).
 */
export function hasDirection(vector: readonly number[]): boolean {
  return vector.some((value) => value !== 0);
}
