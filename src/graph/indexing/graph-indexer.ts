// The knowledge graph's side of ingestion: a DocumentListener that turns each stored document into
// episodes (one per chunk), resolved entities and facts, and removes them when the document goes.
import { randomUUID } from 'node:crypto';
import type { DocumentListener, StoredChunk, StoredDocument } from '../../ingestion/document-events.ts';
import type { WorkspaceContext } from '../../tenancy/workspace-context.ts';
import type { GraphEmbedder } from '../embedder.ts';
import type { GraphExtractor } from '../extraction/extractor.ts';
import { requireGraphGroup } from '../graph-group.ts';
import type { GraphStore, RemovalResult } from '../graph-store.ts';
import type { EpisodeRecord } from '../model.ts';
import type { ContradictionJudge } from './contradictions.ts';
import { resolveEntities } from './entity-resolution.ts';
import { planFacts } from './fact-planning.ts';

export interface GraphIndexerDependencies {
  store: GraphStore;
  embedder: GraphEmbedder;
  extractor: GraphExtractor;
  contradictionJudge: ContradictionJudge;
  /** Cosine similarity at which two names of compatible type are the same entity (default 0.9). */
  entitySimilarityThreshold?: number;
  /** The ingestion time of episodes; injectable so tests can index "later". */
  now?: () => Date;
}

export interface IndexingSummary {
  episodes: number;
  newEntities: number;
  resolvedEntities: number;
  newFacts: number;
  restatedFacts: number;
  invalidatedFacts: number;
}

export interface GraphIndexer extends DocumentListener {
  indexDocument(context: WorkspaceContext, document: StoredDocument, chunks: StoredChunk[]): Promise<IndexingSummary>;
  removeDocument(context: WorkspaceContext, documentId: string): Promise<RemovalResult>;
}

export function createGraphIndexer(dependencies: GraphIndexerDependencies): GraphIndexer {
  const now = dependencies.now ?? (() => new Date());

  async function indexDocument(context: WorkspaceContext, document: StoredDocument, chunks: StoredChunk[]): Promise<IndexingSummary> {
    requireGraphGroup(context);
    const referenceTime = now().toISOString();
    const episodes: EpisodeRecord[] = [...chunks]
      .sort((left, right) => left.position - right.position)
      .map((chunk) => ({
        id: randomUUID(),
        documentId: document.id,
        chunkId: chunk.id,
        position: chunk.position,
        source: document.source,
        title: document.title,
        content: chunk.content,
        referenceTime,
      }));
    if (episodes.length === 0) {
      await dependencies.store.removeDocument(context, document.id);
      return { episodes: 0, newEntities: 0, resolvedEntities: 0, newFacts: 0, restatedFacts: 0, invalidatedFacts: 0 };
    }
    // One extraction call for the whole document: per-chunk calls are what makes graphiti slow.
    const extraction = await dependencies.extractor.extract({
      documentTitle: document.title,
      episodes: episodes.map((episode) => ({ key: episode.id, content: episode.content })),
      referenceTime,
    });
    const episodeIds = new Set(episodes.map((episode) => episode.id));
    const episodeIdOf = (key: string) => (episodeIds.has(key) ? key : episodes[0]!.id);

    const resolution = await resolveEntities(
      { store: dependencies.store, embedder: dependencies.embedder, similarityThreshold: dependencies.entitySimilarityThreshold },
      context,
      extraction.entities,
    );
    const plan = await planFacts(dependencies, context, {
      facts: extraction.facts,
      entities: resolution.byName,
      episodeIdOf,
      referenceTime,
    });
    const mentions = [...resolution.byName.values()].flatMap((entity) =>
      [...new Set(entity.episodeKeys.map(episodeIdOf))].map((episodeId) => ({ entityId: entity.id, episodeId })),
    );
    await dependencies.store.writeDocumentGraph(context, {
      documentId: document.id,
      episodes,
      newEntities: resolution.newEntities,
      entityUpdates: resolution.entityUpdates,
      mentions,
      facts: plan.facts,
      supports: plan.supports,
      invalidations: plan.invalidations,
    });
    return {
      episodes: episodes.length,
      newEntities: resolution.newEntities.length,
      resolvedEntities: resolution.byName.size - resolution.newEntities.length,
      newFacts: plan.facts.length,
      restatedFacts: plan.restatedFacts,
      invalidatedFacts: plan.invalidations.length + plan.facts.filter((fact) => fact.invalidatedByFactId !== null).length,
    };
  }

  const removeDocument = async (context: WorkspaceContext, documentId: string) => {
    requireGraphGroup(context);
    return dependencies.store.removeDocument(context, documentId);
  };

  return {
    indexDocument,
    removeDocument,
    documentStored: async (context, document, chunks) => {
      await indexDocument(context, document, chunks);
    },
    documentRemoved: async (context, documentId) => {
      await removeDocument(context, documentId);
    },
  };
}
