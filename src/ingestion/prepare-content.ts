// The CPU-heavy stage of ingestion, run on a worker thread (src/workers/cpu-pool.ts): load the bytes
// (parse Markdown, HTML, PDF…), chunk, count tokens and, when the deployment's embedder is the
// local one, embed. Everything here is a pure function of its input: no database, no network.
import { unprocessable } from '../errors.ts';
import { chunkDocument, type Chunk, type ChunkingOptions } from './chunker.ts';
import { packBinaryVectors } from './embedders/embedder.ts';
import { createLocalVectorizer, type LocalEmbedderOptions } from './embedders/local-embedder.ts';
import { loadDocument } from './loaders/index.ts';
import type { TokenCounter } from './tokens.ts';

export interface ContentRequest {
  source: string;
  content: string | Uint8Array;
  contentType: string;
  /** Overrides the title the loader finds. */
  title?: string;
  chunking: ChunkingOptions;
  /** A document may not produce more chunks than this (a request-level limit). */
  maximumChunks: number;
  /** Embed here with the local embedder of these settings (absent: the caller embeds, or nobody does). */
  embedWith?: Required<LocalEmbedderOptions>;
}

export interface PreparedContent {
  title: string;
  /** Tokens of the whole loaded text. */
  tokenCount: number;
  chunks: Chunk[];
  /** With `embedWith`: one vector per chunk, packed in pgvector's binary form (packBinaryVectors). */
  vectors?: Uint8Array;
}

/** What the embedder sees: the headings a chunk sits under (and the title) give it context. */
export function embeddingText(title: string, chunk: Pick<Chunk, 'content' | 'headingPath'>): string {
  const context = chunk.headingPath[0] === title ? [...chunk.headingPath] : [title, ...chunk.headingPath];
  const prefix = context.filter((part) => !chunk.content.startsWith(part)).join(' › ');
  return prefix ? `${prefix}\n\n${chunk.content}` : chunk.content;
}

export async function prepareContent(request: ContentRequest, tokens: TokenCounter): Promise<PreparedContent> {
  const loaded = await loadDocument({ source: request.source, content: request.content, contentType: request.contentType });
  const title = request.title ?? loaded.title;
  const chunks = await chunkDocument(loaded, request.chunking, tokens);
  if (chunks.length === 0) throw unprocessable(`"${request.source}" produced no chunks`);
  if (chunks.length > request.maximumChunks) {
    throw unprocessable(
      `"${request.source}" makes ${chunks.length} chunks of at most ${request.chunking.chunkSize} tokens; a document may have at most ${request.maximumChunks}. Split it, or use a larger chunkSize.`,
      { chunks: chunks.length, maximumChunks: request.maximumChunks },
    );
  }
  const prepared: PreparedContent = { title, tokenCount: tokens.count(loaded.text), chunks };
  if (request.embedWith) {
    const vectorize = createLocalVectorizer(request.embedWith);
    prepared.vectors = packBinaryVectors(
      chunks.map((chunk) => vectorize(embeddingText(title, chunk))),
      request.embedWith.dimensions,
    );
  }
  return prepared;
}
