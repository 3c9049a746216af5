// The real graph stack over a test database: postgres store, offline extractor, rule judge, test embedder.
import type { Database } from '../../../src/db/database.ts';
import { createOfflineExtractor } from '../../../src/graph/extraction/offline-extractor.ts';
import type { GraphEmbedder } from '../../../src/graph/embedder.ts';
import type { GraphSearchDependencies } from '../../../src/graph/graph-search.ts';
import type { GraphStore } from '../../../src/graph/graph-store.ts';
import { createRuleContradictionJudge } from '../../../src/graph/indexing/contradictions.ts';
import { createGraphIndexer, type GraphIndexer } from '../../../src/graph/indexing/graph-indexer.ts';
import { createPostgresGraphStore } from '../../../src/graph/postgres/postgres-graph-store.ts';
import type { WorkspaceContext } from '../../../src/tenancy/workspace-context.ts';
import { fixtureDocument } from './graph-fixtures.ts';
import { createTestEmbedder } from './test-embedder.ts';

export interface GraphHarness extends GraphSearchDependencies {
  indexer: GraphIndexer;
  /** Indexes a fixture file as a new document; returns its document id. */
  indexFixture(context: WorkspaceContext, name: string, documentId?: string): Promise<string>;
}

export function createPostgresGraphHarness(database: Database, embedder?: GraphEmbedder): GraphHarness {
  return createGraphHarness(createPostgresGraphStore(database), embedder);
}

/** The same stack over any GraphStore (the neo4j integration tests use it with a real server). */
export function createGraphHarness(store: GraphStore, embedder: GraphEmbedder = createTestEmbedder()): GraphHarness {
  const indexer = createGraphIndexer({
    store,
    embedder,
    extractor: createOfflineExtractor(),
    contradictionJudge: createRuleContradictionJudge(),
  });
  return {
    store,
    embedder,
    indexer,
    async indexFixture(context, name, documentId) {
      const { document, chunks } = fixtureDocument(name, documentId);
      await indexer.documentStored(context, document, chunks);
      return document.id;
    },
  };
}
