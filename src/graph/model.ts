// The knowledge graph's vocabulary, shared by both backends, the indexer and search.
// Every value crossing this boundary is JSON-friendly: ids are strings, times are ISO-8601 strings.

export const entityTypes = ['person', 'organization', 'place', 'product', 'concept', 'other'] as const;
export type EntityType = (typeof entityTypes)[number];

/** A document chunk as ingested: the unit of provenance for entities and facts. */
export interface EpisodeRecord {
  id: string;
  documentId: string;
  chunkId: string | null;
  position: number;
  source: string;
  title: string;
  content: string;
  /** When the episode was ingested; the fallback "now" for facts without a stated time. */
  referenceTime: string;
}

export interface EntityRecord {
  id: string;
  name: string;
  normalizedName: string;
  type: EntityType;
  summary: string;
  /** Other normalised names that resolved to this entity. */
  aliases: string[];
}

/** An entity as written: with the embedding of its name. */
export interface EntityWrite extends EntityRecord {
  embedder: string;
  nameEmbedding: number[];
}

export interface FactRecord {
  id: string;
  sourceEntityId: string;
  targetEntityId: string;
  relation: string;
  fact: string;
  /** When the fact started to hold in the world (null: unknown). */
  validAt: string | null;
  /** When it stopped holding (null: still holds, as far as we know). */
  invalidAt: string | null;
  /** When we learned it. */
  createdAt: string;
  /** When we retired it because a newer fact contradicted it. */
  expiredAt: string | null;
  /** The fact whose arrival invalidated this one; undone if that fact is removed. */
  invalidatedByFactId: string | null;
}

/** A stored fact with its endpoints' names (for contradiction judging). */
export interface StoredFact extends FactRecord {
  sourceName: string;
  targetName: string;
}

export interface FactWrite extends FactRecord {
  embedder: string;
  factEmbedding: number[];
  /** Stemmed terms of relation and sentence (the neo4j backend scores BM25 from them; postgres uses to_tsvector). */
  terms: string[];
}

/** What search and the agent see of an entity. */
export interface EntityView {
  id: string;
  name: string;
  type: EntityType;
  summary: string;
}

export interface EntityReference {
  id: string;
  name: string;
  type: EntityType;
}

/** What search and the agent see of a fact, with its provenance. */
export interface FactView {
  id: string;
  relation: string;
  fact: string;
  source: EntityReference;
  target: EntityReference;
  validAt: string | null;
  invalidAt: string | null;
  createdAt: string;
  expiredAt: string | null;
  documentIds: string[];
}

export interface GraphCounts {
  episodes: number;
  entities: number;
  facts: number;
}
