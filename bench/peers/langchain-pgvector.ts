// The peer the bench compares ragspace with: LangChain's PGVectorStore (@langchain/community) on
// the same database tier, fed the same chunk texts with the same embedder, one table for every
// tenant and a workspace metadata filter on each search (how it is used for multi-tenant RAG).
// Loading goes through addDocuments (embedding included, as a LangChain user would call it);
// search through similaritySearchWithScore with the filter.
//
// PGVectorStore takes one client from its pool at initialisation and keeps it (ARCHITECTURE.md),
// so its pool has room for that one plus the queries it sends through the pool.
import { PGVectorStore } from '@langchain/community/vectorstores/pgvector';
import { Document } from '@langchain/core/documents';
import { Embeddings } from '@langchain/core/embeddings';
import pg from 'pg';
import type { Embedder } from '../../src/ingestion/embedders/embedder.ts';
import type { BenchDatabase } from '../tiers.ts';

/** ragspace's embedder as a LangChain Embeddings, so both sides embed identically. */
export class RagspaceEmbeddings extends Embeddings {
  constructor(private readonly embedder: Embedder) {
    super({});
  }
  embedDocuments(texts: string[]): Promise<number[][]> {
    return this.embedder.embedDocuments(texts);
  }
  embedQuery(text: string): Promise<number[]> {
    return this.embedder.embedQuery(text);
  }
}

export interface PeerChunk {
  workspaceId: string;
  /** What is embedded and stored (give it the text ragspace embeds for the chunk). */
  text: string;
  metadata?: Record<string, unknown>;
}

export interface PeerHit {
  content: string;
  /** Cosine similarity. */
  score: number;
  metadata: Record<string, unknown>;
}

export interface LangchainPgvectorPeer {
  /** addDocuments in batches of `batchSize` (default 500, PGVectorStore's own chunk size). */
  addChunks(chunks: readonly PeerChunk[], batchSize?: number): Promise<void>;
  /** similaritySearchWithScore filtered on the workspace (exact scan unless an index was built). */
  search(workspaceId: string, query: string, k: number): Promise<PeerHit[]>;
  /** PGVectorStore's own shared HNSW index over every tenant's rows (its createHnswIndex). */
  createSharedHnswIndex(): Promise<void>;
  /** Planner statistics for the peer's table (PGlite has no autovacuum). */
  analyze(): Promise<void>;
  close(): Promise<void>;
}

const tableName = 'langchain_peer_chunks';

export async function openLangchainPgvectorPeer(bench: BenchDatabase, embedder: Embedder): Promise<LangchainPgvectorPeer> {
  const pool = new pg.Pool(await bench.poolConfig(4));
  pool.on('error', () => undefined);
  const store = await PGVectorStore.initialize(new RagspaceEmbeddings(embedder), {
    pool,
    tableName,
    dimensions: embedder.dimensions,
    distanceStrategy: 'cosine',
    scoreNormalization: 'similarity',
  });
  return {
    async addChunks(chunks, batchSize = 500) {
      for (let start = 0; start < chunks.length; start += batchSize) {
        const documents = chunks
          .slice(start, start + batchSize)
          .map((chunk) => new Document({ pageContent: chunk.text, metadata: { ...chunk.metadata, workspace_id: chunk.workspaceId } }));
        await store.addDocuments(documents);
      }
    },
    async search(workspaceId, query, k) {
      const results = await store.similaritySearchWithScore(query, k, { workspace_id: workspaceId });
      return results.map(([document, score]) => ({ content: document.pageContent, score, metadata: document.metadata }));
    },
    async createSharedHnswIndex() {
      await store.createHnswIndex({ dimensions: embedder.dimensions, distanceFunction: 'vector_cosine_ops' });
    },
    async analyze() {
      await pool.query(`ANALYZE ${tableName}`);
    },
    async close() {
      await store.end();
    },
  };
}
