// Graph search for the agent and the API: hybrid over facts (per-workspace BM25 and exact embedding
// similarity) plus the neighbourhood of the entities the query names, fused by reciprocal rank.
// Backend-agnostic: the GraphStore supplies candidates, all ranking happens here.
import { validationError } from '../errors.ts';
import { hasDirection } from '../ingestion/embedders/embedder.ts';
import type { WorkspaceContext } from '../tenancy/workspace-context.ts';
import { assertDimensions, type GraphEmbedder } from './embedder.ts';
import type { GraphStore, SearchCandidates } from './graph-store.ts';
import type { EntityRecord, EntityView, FactView } from './model.ts';
import { normalizeEntityName, normalizeText } from './names.ts';
import { fuseByReciprocalRank } from './rank-fusion.ts';
import { isStopWord } from '../search/text-analysis.ts';
import { analyzeTerms } from './text-terms.ts';

export interface GraphSearchDependencies {
  store: GraphStore;
  embedder: GraphEmbedder;
}

export interface GraphSearchRequest {
  query: string;
  /** Facts to return (1–50, default 10). */
  limit?: number;
  /** Only facts not invalidated (default false: history is returned with its invalid_at). */
  currentOnly?: boolean;
}

export type FactMatch = 'text' | 'embedding' | 'neighbourhood';

export interface GraphSearchResult {
  query: string;
  facts: Array<FactView & { score: number; matchedBy: FactMatch[] }>;
  /** Entities the query named (by name or name similarity), best first. */
  entities: EntityView[];
}

export interface EntityRelationships {
  query: string;
  /** The entity the name resolved to; null when the workspace has none by that name. */
  entity: EntityView | null;
  /** Other entities with the same name (different types), if any. */
  alternatives: EntityView[];
  depth: number;
  /** Entities reached, with their distance in hops (0: the entity itself). */
  entities: Array<EntityView & { distance: number }>;
  facts: FactView[];
}

export interface EntityTimeline {
  query: string;
  entity: EntityView | null;
  alternatives: EntityView[];
  /** Facts touching the entity, ordered by valid time (learned time when unknown). */
  facts: FactView[];
}

/** Below this cosine similarity an entity is not taken as named by the query. */
const minimumEntitySimilarity = 0.5;
/** Entities whose neighbourhood joins the fusion. */
const expansionEntities = 3;
const maximumDepth = 3;

function parseLimit(limit: number | undefined, fallback: number, maximum: number): number {
  if (limit === undefined) return fallback;
  if (!Number.isInteger(limit) || limit < 1 || limit > maximum) throw validationError(`limit must be an integer from 1 to ${maximum}`);
  return limit;
}

function contentTokens(text: string): string[] {
  return [...new Set(normalizeText(text).split(' ').filter((word) => word.length >= 2 && !isStopWord(word)))];
}

/** Share of an entity's name words the query contains (best over its name and aliases). */
function nameCoverage(entity: EntityRecord, queryTokens: ReadonlySet<string>): number {
  let best = 0;
  for (const name of [entity.normalizedName, ...entity.aliases]) {
    const words = name.split(' ').filter((word) => word && !isStopWord(word));
    if (words.length === 0) continue;
    best = Math.max(best, words.filter((word) => queryTokens.has(word)).length / words.length);
  }
  return best;
}

/** Entities the query names: name-word coverage and name-embedding similarity, fused. */
function rankEntities(candidates: SearchCandidates, queryTokens: string[]): EntityRecord[] {
  const tokenSet = new Set(queryTokens);
  const byName = candidates.entitiesByName
    .map((entity) => ({ entity, coverage: nameCoverage(entity, tokenSet) }))
    .filter((match) => match.coverage >= 0.5)
    .sort(
      (left, right) =>
        right.coverage - left.coverage ||
        right.entity.normalizedName.length - left.entity.normalizedName.length ||
        (left.entity.id < right.entity.id ? -1 : 1),
    )
    .map((match) => match.entity);
  const bySimilarity = candidates.entitiesByEmbedding
    .filter((match) => match.similarity >= minimumEntitySimilarity)
    .map((match) => match.entity);
  const records = new Map([...byName, ...bySimilarity].map((entity) => [entity.id, entity]));
  return fuseByReciprocalRank([byName.map((entity) => entity.id), bySimilarity.map((entity) => entity.id)]).map(
    (ranked) => records.get(ranked.id)!,
  );
}

/**
 * Facts around the named entities: those joining two named entities first, then those sharing more
 * words with the query (relation included), current before invalidated, then by the entity's rank
 * and the most recent valid time.
 */
function rankNeighbourhood(facts: FactView[], entityIds: string[], query: string): string[] {
  const rank = new Map(entityIds.map((id, index) => [id, index]));
  const queryTerms = new Set(analyzeTerms(query));
  return facts
    .filter((fact) => rank.has(fact.source.id) || rank.has(fact.target.id))
    .map((fact) => {
      const ranks = [rank.get(fact.source.id), rank.get(fact.target.id)].filter((value): value is number => value !== undefined);
      const overlap = new Set(analyzeTerms(`${fact.relation} ${fact.fact}`).filter((term) => queryTerms.has(term))).size;
      return {
        fact,
        touches: ranks.length,
        overlap,
        current: fact.invalidAt === null ? 1 : 0,
        best: Math.min(...ranks),
        time: fact.validAt ?? '',
      };
    })
    .sort(
      (left, right) =>
        right.touches - left.touches ||
        right.overlap - left.overlap ||
        right.current - left.current ||
        left.best - right.best ||
        (left.time < right.time ? 1 : left.time > right.time ? -1 : left.fact.id < right.fact.id ? -1 : 1),
    )
    .map((entry) => entry.fact.id);
}

/**
 * The zero vector (a query of stop words only) has no direction: its cosine similarities are
 * undefined, so the embedding legs must not rank anything for it.
 */
function dropUndirectedEmbeddingLegs(candidates: SearchCandidates, embedding: number[]): SearchCandidates {
  if (hasDirection(embedding)) return candidates;
  return { ...candidates, factsByEmbedding: [], entitiesByEmbedding: [] };
}

export async function graphSearch(
  dependencies: GraphSearchDependencies,
  context: WorkspaceContext,
  request: GraphSearchRequest,
): Promise<GraphSearchResult> {
  const query = request.query?.trim() ?? '';
  if (!query) throw validationError('query must not be empty');
  if (query.length > 2000) throw validationError('query must be at most 2000 characters');
  const limit = parseLimit(request.limit, 10, 50);
  const currentOnly = request.currentOnly ?? false;
  const { store, embedder } = dependencies;
  const embedding = assertDimensions(embedder, await embedder.embedQuery(query));
  const queryTokens = contentTokens(query);
  const candidates = dropUndirectedEmbeddingLegs(
    await store.searchCandidates(context, {
      text: query,
      nameTokens: queryTokens,
      embedding,
      embedder: embedder.name,
      limit: Math.max(limit * 2, 20),
      currentOnly,
    }),
    embedding,
  );
  const entities = rankEntities(candidates, queryTokens).slice(0, expansionEntities);
  const neighbourhood = await store.loadNeighbourhood(context, {
    entityIds: entities.map((entity) => entity.id),
    factIds: [...new Set([...candidates.factsByText, ...candidates.factsByEmbedding])],
    perEntityLimit: limit,
    currentOnly,
  });
  const aroundEntities = rankNeighbourhood(
    neighbourhood.facts,
    entities.map((entity) => entity.id),
    query,
  );
  const legs: Array<[FactMatch, string[]]> = [
    ['text', candidates.factsByText],
    ['embedding', candidates.factsByEmbedding],
    ['neighbourhood', aroundEntities],
  ];
  const views = new Map(neighbourhood.facts.map((fact) => [fact.id, fact]));
  const facts = fuseByReciprocalRank(legs.map(([, ids]) => ids))
    .filter((ranked) => views.has(ranked.id))
    .slice(0, limit)
    .map((ranked) => ({
      ...views.get(ranked.id)!,
      score: Number(ranked.score.toFixed(6)),
      matchedBy: legs.filter(([, ids]) => ids.includes(ranked.id)).map(([leg]) => leg),
    }));
  return { query, facts, entities: neighbourhood.entities };
}

/** Resolves a name to entities: exact normalised name or alias first, else the best entity the name mentions. */
async function resolveEntityName(
  dependencies: GraphSearchDependencies,
  context: WorkspaceContext,
  name: string,
): Promise<{ entity: EntityView | null; alternatives: EntityView[] }> {
  const trimmed = name?.trim() ?? '';
  if (!trimmed) throw validationError('name must not be empty');
  if (trimmed.length > 300) throw validationError('name must be at most 300 characters');
  const exact = await dependencies.store.findEntitiesByName(context, normalizeEntityName(trimmed));
  if (exact.length > 0) return { entity: exact[0]!, alternatives: exact.slice(1) };
  const embedding = assertDimensions(dependencies.embedder, await dependencies.embedder.embedQuery(trimmed));
  const queryTokens = contentTokens(trimmed);
  const candidates = dropUndirectedEmbeddingLegs(
    await dependencies.store.searchCandidates(context, {
      text: trimmed,
      nameTokens: queryTokens,
      embedding,
      embedder: dependencies.embedder.name,
      limit: 5,
      currentOnly: false,
    }),
    embedding,
  );
  const [best, ...others] = rankEntities(candidates, queryTokens);
  const toView = (entity: EntityRecord): EntityView => ({ id: entity.id, name: entity.name, type: entity.type, summary: entity.summary });
  return best ? { entity: toView(best), alternatives: others.slice(0, 4).map(toView) } : { entity: null, alternatives: [] };
}

export async function getEntityRelationships(
  dependencies: GraphSearchDependencies,
  context: WorkspaceContext,
  name: string,
  depth = 1,
): Promise<EntityRelationships> {
  if (!Number.isInteger(depth) || depth < 1 || depth > maximumDepth) {
    throw validationError(`depth must be an integer from 1 to ${maximumDepth}`);
  }
  const { entity, alternatives } = await resolveEntityName(dependencies, context, name);
  if (!entity) return { query: name, entity: null, alternatives, depth, entities: [], facts: [] };
  const traversal = await dependencies.store.traverse(context, [entity.id], depth, 100);
  return { query: name, entity, alternatives, depth, entities: traversal.entities, facts: traversal.facts };
}

export async function getEntityTimeline(
  dependencies: GraphSearchDependencies,
  context: WorkspaceContext,
  name: string,
  options: { limit?: number } = {},
): Promise<EntityTimeline> {
  const limit = parseLimit(options.limit, 50, 200);
  const { entity, alternatives } = await resolveEntityName(dependencies, context, name);
  if (!entity) return { query: name, entity: null, alternatives, facts: [] };
  return { query: name, entity, alternatives, facts: await dependencies.store.timeline(context, [entity.id], limit) };
}
