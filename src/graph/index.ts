// The knowledge graph's public surface: stores, the document listener, search, and the model types.
export type { GraphEmbedder } from './embedder.ts';
export type { ExtractedEntity, ExtractedFact, ExtractionInput, ExtractionResult, GraphExtractor } from './extraction/extractor.ts';
export { createLlmContradictionJudge, createLlmExtractor } from './extraction/llm-extraction.ts';
export { createOfflineExtractor, extractOffline } from './extraction/offline-extractor.ts';
export { requireGraphGroup } from './graph-group.ts';
export {
  getEntityRelationships,
  getEntityTimeline,
  graphSearch,
  type EntityRelationships,
  type EntityTimeline,
  type FactMatch,
  type GraphSearchDependencies,
  type GraphSearchRequest,
  type GraphSearchResult,
} from './graph-search.ts';
export { createConfiguredGraphIndexer, createGraphExtraction, openGraphStore, type GraphExtraction } from './graph-services.ts';
export type { GraphBackend, GraphStore, RemovalResult } from './graph-store.ts';
export { createRuleContradictionJudge, type ContradictionJudge } from './indexing/contradictions.ts';
export { createGraphIndexer, type GraphIndexer, type GraphIndexerDependencies, type IndexingSummary } from './indexing/graph-indexer.ts';
export type { EntityReference, EntityType, EntityView, FactView, GraphCounts } from './model.ts';
export { entityTypes } from './model.ts';
export { createNeo4jGraphStore, openNeo4jDriver, type Neo4jGraphStoreOptions } from './neo4j/neo4j-graph-store.ts';
export { createPostgresGraphStore } from './postgres/postgres-graph-store.ts';
