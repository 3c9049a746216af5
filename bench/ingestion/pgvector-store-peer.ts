// The peer: LangChain's PGVectorStore (@langchain/community 1.1.29), addDocuments after the same
// chunker and embedder. @langchain/community could not be installed beside our dependencies (npm
// refuses its peer ranges: @browserbasehq/stagehand wants zod 3), so this reproduces what its
// addDocuments does, statement for statement (vectorstores/pgvector.js of that version):
// embedDocuments(pageContent), then INSERT INTO <table>(content, embedding, metadata) VALUES …
// in batches of 500 rows (its chunkSize), each vector sent as `[${vector.join(",")}]`, the
// metadata (with the workspace id, which its filter reads) as jsonb, autocommit per batch.
import pg from 'pg';
import { chunkDocument, parseChunkingOptions, type ChunkingOptions } from '../../src/ingestion/chunker.ts';
import type { Embedder } from '../../src/ingestion/embedders/embedder.ts';
import { loadDocument } from '../../src/ingestion/loaders/index.ts';
import { createTokenCounter } from '../../src/ingestion/tokens.ts';

const batchRows = 500;

export interface PeerDocument {
  source: string;
  content: string;
}

export interface PeerStore {
  /** Loads, chunks (our chunker), embeds and inserts one document; returns its chunk count. */
  addDocument(workspaceId: string, document: PeerDocument, chunking: Partial<ChunkingOptions>): Promise<number>;
  close(): Promise<void>;
}

export async function openPeerStore(poolConfig: pg.PoolConfig, embedder: Embedder): Promise<PeerStore> {
  // PGVectorStore keeps one client from initialisation on, so its pool needs two connections.
  const pool = new pg.Pool({ ...poolConfig, max: 2 });
  pool.on('error', () => undefined);
  const table = 'langchain_pg_embedding_peer';
  await pool.query('CREATE EXTENSION IF NOT EXISTS vector');
  await pool.query(
    `CREATE TABLE IF NOT EXISTS ${table} (id uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY, content text, metadata jsonb, embedding vector(${embedder.dimensions}))`,
  );
  const heldClient = await pool.connect();
  const tokens = createTokenCounter();
  return {
    async addDocument(workspaceId, document, chunking) {
      const loaded = await loadDocument({ source: document.source, content: document.content });
      const chunks = await chunkDocument(loaded, parseChunkingOptions(chunking), tokens);
      const documents = chunks.map((chunk) => ({
        pageContent: chunk.content,
        metadata: { workspaceId, source: document.source, position: chunk.position, headingPath: chunk.headingPath },
      }));
      const vectors = await embedder.embedDocuments(documents.map(({ pageContent }) => pageContent));
      const rows = vectors.map((vector, index) => [documents[index]!.pageContent.replace(/\0/g, ''), `[${vector.join(',')}]`, documents[index]!.metadata]);
      for (let start = 0; start < rows.length; start += batchRows) {
        const batch = rows.slice(start, start + batchRows);
        const placeholders = batch.map((_, row) => `($${row * 3 + 1}, $${row * 3 + 2}, $${row * 3 + 3})`).join(', ');
        await pool.query(`INSERT INTO ${table}("content", "embedding", "metadata") VALUES ${placeholders}`, batch.flat());
      }
      return chunks.length;
    },
    async close() {
      heldClient.release();
      await pool.end();
    },
  };
}
