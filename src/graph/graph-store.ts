// The one interface both graph backends implement. Every method takes the WorkspaceContext first and
// reaches only that workspace's graph group; resolution, fusion and ranking live above it, shared.
import type { WorkspaceContext } from '../tenancy/workspace-context.ts';
import type {
  EntityRecord,
  EntityView,
  EntityWrite,
  EpisodeRecord,
  FactView,
  FactWrite,
  GraphCounts,
  StoredFact,
} from './model.ts';

export type GraphBackend = 'postgres' | 'neo4j';

export interface EntityCandidateQuery {
  /** Exact lookups: entities whose normalised name or an alias is one of these. */
  normalizedNames: string[];
  /** Similarity lookups: for each vector, the nearest entities embedded by `embedder`. */
  embeddings: number[][];
  embedder: string;
  limitPerEmbedding: number;
}

export interface EntityCandidates {
  byName: EntityRecord[];
  /** Parallel to `embeddings`: nearest entities with cosine similarity in [-1, 1], best first. */
  bySimilarity: Array<Array<{ entity: EntityRecord; similarity: number }>>;
}

/** Everything one document contributes to the graph, written atomically (replacing its earlier episodes). */
export interface DocumentGraphWrite {
  documentId: string;
  episodes: EpisodeRecord[];
  /** Entities not found in the graph. One written concurrently by another document is reused (see entityIds). */
  newEntities: EntityWrite[];
  /** Existing entities this document resolved to: new aliases, and a summary if they had none. */
  entityUpdates: Array<{ id: string; aliases: string[]; summary: string }>;
  mentions: Array<{ entityId: string; episodeId: string }>;
  facts: FactWrite[];
  /** Episodes supporting facts: the new facts and existing facts this document restates. */
  supports: Array<{ factId: string; episodeId: string }>;
  invalidations: Array<{ factId: string; invalidAt: string; expiredAt: string; invalidatedByFactId: string }>;
}

export interface DocumentGraphWriteResult {
  /** Entity ids as requested → as stored (differ when a concurrent writer created the same entity first). */
  entityIds: Map<string, string>;
}

export interface RemovalResult {
  episodes: number;
  facts: number;
  entities: number;
}

export interface SearchCandidateQuery {
  text: string;
  /** Content tokens of the query (normalised, stop words removed) for entity-name matching. */
  nameTokens: string[];
  embedding: number[];
  embedder: string;
  limit: number;
  currentOnly: boolean;
}

export interface SearchCandidates {
  /** Fact ids by per-workspace BM25 of the fact sentence, best first. */
  factsByText: string[];
  /** Fact ids by exact cosine similarity of the fact embedding, best first. */
  factsByEmbedding: string[];
  /** Entities sharing a name token with the query (ranked above this interface). */
  entitiesByName: EntityRecord[];
  /** Entities by name-embedding similarity, best first. */
  entitiesByEmbedding: Array<{ entity: EntityRecord; similarity: number }>;
}

export interface NeighbourhoodQuery {
  entityIds: string[];
  factIds: string[];
  perEntityLimit: number;
  currentOnly: boolean;
}

export interface Neighbourhood {
  entities: EntityView[];
  /** The requested facts and the facts touching the requested entities. */
  facts: FactView[];
}

export interface Traversal {
  entities: Array<EntityView & { distance: number }>;
  facts: FactView[];
}

export interface GraphStore {
  readonly backend: GraphBackend;
  /** Creates what the backend needs at start-up (neo4j: constraints and indexes; postgres: nothing, migrations did it). */
  initialize(): Promise<void>;
  close(): Promise<void>;

  // Writing (the indexer)
  findEntityCandidates(context: WorkspaceContext, query: EntityCandidateQuery): Promise<EntityCandidates>;
  /** Facts with an endpoint among `entityIds` (not expired), for deduplication and contradiction checks. */
  findFactsTouching(context: WorkspaceContext, entityIds: string[]): Promise<StoredFact[]>;
  writeDocumentGraph(context: WorkspaceContext, write: DocumentGraphWrite): Promise<DocumentGraphWriteResult>;
  /** Removes a document's episodes, the facts only they supported (undoing invalidations those caused) and orphaned entities. */
  removeDocument(context: WorkspaceContext, documentId: string): Promise<RemovalResult>;
  /** Removes the workspace's whole graph (before deleting a workspace whose graph lives outside its database). */
  clearWorkspaceGraph(context: WorkspaceContext): Promise<RemovalResult>;

  // Reading (search and tools)
  searchCandidates(context: WorkspaceContext, query: SearchCandidateQuery): Promise<SearchCandidates>;
  loadNeighbourhood(context: WorkspaceContext, query: NeighbourhoodQuery): Promise<Neighbourhood>;
  /** Entities whose normalised name or alias equals `normalizedName`. */
  findEntitiesByName(context: WorkspaceContext, normalizedName: string): Promise<EntityView[]>;
  /** Breadth-first walk over facts (either direction) from the start entities, up to `depth` hops. */
  traverse(context: WorkspaceContext, startEntityIds: string[], depth: number, factLimit: number): Promise<Traversal>;
  /** Every fact (current or not) touching the entities, ordered by valid time (unknown: learned time). */
  timeline(context: WorkspaceContext, entityIds: string[], limit: number): Promise<FactView[]>;
  counts(context: WorkspaceContext): Promise<GraphCounts>;
  /** Episode ids of a document (for tests and diagnostics). */
  episodeIdsOfDocument(context: WorkspaceContext, documentId: string): Promise<string[]>;
}
