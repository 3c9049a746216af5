// The content hash stored on a document: it covers everything that shapes its chunks (bytes,
// content type, title, metadata, chunking options), so re-ingesting with any of them changed
// replaces the document and an identical re-run is skipped without parsing or embedding.
import { createHash } from 'node:crypto';
import type { ChunkingOptions } from './chunker.ts';

/** JSON with object keys sorted, so equal metadata hashes equally whatever its key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

// Bump when loading or chunking changes in a way that should re-chunk stored documents.
const pipelineVersion = 'ragspace-ingestion-1';

export function documentFingerprint(input: {
  content: string | Uint8Array;
  contentType: string;
  title: string | undefined;
  metadata: Record<string, unknown>;
  chunking: ChunkingOptions;
}): string {
  const header = canonicalJson({
    pipelineVersion,
    contentType: input.contentType,
    title: input.title ?? null,
    metadata: input.metadata,
    chunkSize: input.chunking.chunkSize,
    chunkOverlap: input.chunking.chunkOverlap,
  });
  return createHash('sha256').update(header).update('\n').update(input.content).digest('hex');
}
