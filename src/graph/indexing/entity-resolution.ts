// Entity resolution: the same entity mentioned in many documents becomes one node. Exact matches on
// the normalised name (or a recorded alias) come first; then name-embedding similarity within the
// workspace. Types must agree, except that an untyped ("other") mention joins a typed entity.
import { randomUUID } from 'node:crypto';
import type { WorkspaceContext } from '../../tenancy/workspace-context.ts';
import { embedAll, type GraphEmbedder } from '../embedder.ts';
import type { ExtractedEntity } from '../extraction/extractor.ts';
import type { EntityCandidates, GraphStore } from '../graph-store.ts';
import type { EntityRecord, EntityType, EntityWrite } from '../model.ts';
import { cleanDisplayName, normalizeEntityName } from '../names.ts';

export const defaultEntitySimilarityThreshold = 0.9;

export interface ResolvedEntity {
  normalizedName: string;
  id: string;
  name: string;
  type: EntityType;
  isNew: boolean;
  episodeKeys: string[];
}

export interface EntityResolution {
  /** Normalised extracted name → resolved entity. */
  byName: Map<string, ResolvedEntity>;
  newEntities: EntityWrite[];
  entityUpdates: Array<{ id: string; aliases: string[]; summary: string }>;
}

export function typesCompatible(left: EntityType, right: EntityType): boolean {
  return left === right || left === 'other' || right === 'other';
}

const specificity = (type: EntityType) => (type === 'other' ? 0 : 1);

/** Merges a document's extracted entities that normalise to the same name. */
export function mergeExtractedEntities(entities: ExtractedEntity[]): Array<ExtractedEntity & { normalizedName: string }> {
  const merged = new Map<string, ExtractedEntity & { normalizedName: string }>();
  for (const entity of entities) {
    const name = cleanDisplayName(entity.name);
    const normalizedName = normalizeEntityName(name);
    if (!normalizedName) continue;
    const existing = merged.get(normalizedName);
    if (!existing) {
      merged.set(normalizedName, { ...entity, name, normalizedName, episodeKeys: [...entity.episodeKeys] });
      continue;
    }
    if (specificity(entity.type) > specificity(existing.type)) existing.type = entity.type;
    if (!existing.summary && entity.summary) existing.summary = entity.summary;
    existing.episodeKeys = [...new Set([...existing.episodeKeys, ...entity.episodeKeys])];
  }
  return [...merged.values()];
}

function exactMatch(candidates: EntityCandidates['byName'], normalizedName: string, type: EntityType): EntityRecord | undefined {
  const matches = candidates.filter(
    (candidate) =>
      (candidate.normalizedName === normalizedName || candidate.aliases.includes(normalizedName)) && typesCompatible(candidate.type, type),
  );
  return (
    matches.find((candidate) => candidate.type === type && candidate.normalizedName === normalizedName) ??
    matches.find((candidate) => candidate.normalizedName === normalizedName) ??
    matches[0]
  );
}

export async function resolveEntities(
  dependencies: { store: GraphStore; embedder: GraphEmbedder; similarityThreshold?: number },
  context: WorkspaceContext,
  extracted: ExtractedEntity[],
): Promise<EntityResolution> {
  const threshold = dependencies.similarityThreshold ?? defaultEntitySimilarityThreshold;
  const entities = mergeExtractedEntities(extracted);
  const lookup = { embedder: dependencies.embedder.name, limitPerEmbedding: 3 };
  const named =
    entities.length === 0
      ? { byName: [] }
      : await dependencies.store.findEntityCandidates(context, {
          ...lookup,
          normalizedNames: entities.map((entity) => entity.normalizedName),
          embeddings: [],
        });
  const exactMatches = entities.map((entity) => exactMatch(named.byName, entity.normalizedName, entity.type));
  // Only names without an exact match are embedded and compared: an exact match wins anyway, and
  // comparing every name with every entity of the workspace is what held the embedded database.
  const unmatched = entities.flatMap((entity, index) => (exactMatches[index] ? [] : [index]));
  const unmatchedEmbeddings = await embedAll(
    dependencies.embedder,
    unmatched.map((index) => entities[index]!.name),
  );
  const similar =
    unmatched.length === 0
      ? { bySimilarity: [] }
      : await dependencies.store.findEntityCandidates(context, { ...lookup, normalizedNames: [], embeddings: unmatchedEmbeddings });
  const embeddings = new Map(unmatched.map((entityIndex, position) => [entityIndex, unmatchedEmbeddings[position]!]));
  const nearest = new Map(unmatched.map((entityIndex, position) => [entityIndex, similar.bySimilarity[position] ?? []]));
  const byName = new Map<string, ResolvedEntity>();
  const newEntities: EntityWrite[] = [];
  const updates = new Map<string, { id: string; aliases: string[]; summary: string }>();
  entities.forEach((entity, index) => {
    const match =
      exactMatches[index] ??
      nearest.get(index)?.find(
        (candidate) => candidate.similarity >= threshold && typesCompatible(candidate.entity.type, entity.type),
      )?.entity;
    if (match) {
      const update = updates.get(match.id) ?? { id: match.id, aliases: [], summary: entity.summary };
      if (match.normalizedName !== entity.normalizedName && !match.aliases.includes(entity.normalizedName)) {
        update.aliases.push(entity.normalizedName);
      }
      updates.set(match.id, update);
      byName.set(entity.normalizedName, {
        normalizedName: entity.normalizedName,
        id: match.id,
        name: match.name,
        type: match.type,
        isNew: false,
        episodeKeys: entity.episodeKeys,
      });
      return;
    }
    const id = randomUUID();
    newEntities.push({
      id,
      name: entity.name.slice(0, 300),
      normalizedName: entity.normalizedName.slice(0, 300),
      type: entity.type,
      summary: entity.summary,
      aliases: [],
      embedder: dependencies.embedder.name,
      nameEmbedding: embeddings.get(index)!,
    });
    byName.set(entity.normalizedName, {
      normalizedName: entity.normalizedName,
      id,
      name: entity.name,
      type: entity.type,
      isNew: true,
      episodeKeys: entity.episodeKeys,
    });
  });
  return { byName, newEntities, entityUpdates: [...updates.values()] };
}
