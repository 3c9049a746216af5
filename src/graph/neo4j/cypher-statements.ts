// Every Cypher statement the neo4j backend can run, each built through groupScopedCypher. The text of
// a statement never depends on input: values travel as parameters (times as ISO strings, limits as
// Cypher integers). Tests enumerate this object, parse each statement and check its group scoping.
import type { WorkspaceContext } from '../../tenancy/workspace-context.ts';
import { cypherInteger, groupScopedCypher } from './group-scoped-cypher.ts';

const entityFields = (variable: string) =>
  `${variable}.uuid AS id, ${variable}.name AS name, ${variable}.normalized_name AS normalized_name, ` +
  `${variable}.entity_type AS entity_type, ${variable}.summary AS summary, ${variable}.aliases AS aliases`;

const factFields =
  'r.uuid AS id, s.uuid AS source_id, t.uuid AS target_id, r.relation AS relation, r.fact AS fact, ' +
  'r.valid_at AS valid_at, r.invalid_at AS invalid_at, r.created_at AS created_at, r.expired_at AS expired_at, ' +
  'r.invalidated_by AS invalidated_by';

export interface EntityRow {
  id: string;
  name: string;
  normalizedName: string;
  type: string;
  summary: string;
  aliases: string[];
  nameTokens: string[];
  embedder: string;
  nameEmbedding: number[];
}

export interface FactRow {
  id: string;
  sourceId: string;
  targetId: string;
  relation: string;
  fact: string;
  terms: string[];
  embedder: string;
  factEmbedding: number[];
  validAt: string | null;
  invalidAt: string | null;
  createdAt: string;
  expiredAt: string | null;
  invalidatedBy: string | null;
}

export const cypherStatements = {
  // Entity resolution
  entitiesByNormalizedNames: (context: WorkspaceContext, normalizedNames: string[]) =>
    groupScopedCypher(
      context,
      'entitiesByNormalizedNames',
      ({ node }) => `MATCH ${node('e', 'Entity')}
        WHERE e.normalized_name IN $names OR any(alias IN e.aliases WHERE alias IN $names)
        RETURN ${entityFields('e')}`,
      { names: normalizedNames },
    ),

  entitiesBySimilarity: (context: WorkspaceContext, embeddings: number[][], embedder: string, limitPerEmbedding: number) =>
    groupScopedCypher(
      context,
      'entitiesBySimilarity',
      ({ node }) => `UNWIND range(0, size($embeddings) - 1) AS query_index
        MATCH ${node('e', 'Entity')}
        WHERE e.embedder = $embedder AND size(e.name_embedding) = size($embeddings[query_index])
        WITH query_index, e, vector.similarity.cosine(e.name_embedding, $embeddings[query_index]) AS score
        ORDER BY query_index, score DESC, e.uuid
        WITH query_index, collect({entity: e, score: score})[0..$limit] AS matches
        UNWIND matches AS match
        WITH query_index, match.entity AS e, match.score AS score
        RETURN query_index, ${entityFields('e')}, score`,
      { embeddings, embedder, limit: cypherInteger(limitPerEmbedding) },
    ),

  factsTouching: (context: WorkspaceContext, entityIds: string[]) =>
    groupScopedCypher(
      context,
      'factsTouching',
      ({ node, relationship }) => `MATCH ${node('s', 'Entity')}-${relationship('r', 'RELATES_TO')}->${node('t', 'Entity')}
        WHERE s.uuid IN $entity_ids OR t.uuid IN $entity_ids
        RETURN ${factFields}, s.name AS source_name, t.name AS target_name
        ORDER BY r.created_at, r.uuid`,
      { entity_ids: entityIds },
    ),

  // Writing a document
  updateEntities: (context: WorkspaceContext, updates: Array<{ id: string; aliases: string[]; nameTokens: string[]; summary: string }>, now: string) =>
    groupScopedCypher(
      context,
      'updateEntities',
      ({ node }) => `UNWIND $updates AS update
        MATCH ${node('e', 'Entity', { uuid: 'update.id' })}
        SET e.aliases = e.aliases + [alias IN update.aliases WHERE NOT alias IN e.aliases],
            e.name_tokens = e.name_tokens + [token IN update.name_tokens WHERE NOT token IN e.name_tokens],
            e.summary = CASE WHEN e.summary = '' THEN update.summary ELSE e.summary END,
            e.updated_at = $now`,
      {
        updates: updates.map((update) => ({ id: update.id, aliases: update.aliases, name_tokens: update.nameTokens, summary: update.summary })),
        now,
      },
    ),

  mergeEntities: (context: WorkspaceContext, entities: EntityRow[], now: string) =>
    groupScopedCypher(
      context,
      'mergeEntities',
      ({ node }) => `UNWIND $entities AS entity
        MERGE ${node('e', 'Entity', { normalized_name: 'entity.normalized_name', entity_type: 'entity.entity_type' })}
        ON CREATE SET e.uuid = entity.id, e.name = entity.name, e.summary = entity.summary, e.aliases = entity.aliases,
                      e.name_tokens = entity.name_tokens, e.embedder = entity.embedder,
                      e.name_embedding = entity.name_embedding, e.created_at = $now, e.updated_at = $now
        ON MATCH SET e.summary = CASE WHEN e.summary = '' THEN entity.summary ELSE e.summary END, e.updated_at = $now
        RETURN entity.id AS requested_id, e.uuid AS id`,
      {
        entities: entities.map((entity) => ({
          id: entity.id,
          name: entity.name,
          normalized_name: entity.normalizedName,
          entity_type: entity.type,
          summary: entity.summary,
          aliases: entity.aliases,
          name_tokens: entity.nameTokens,
          embedder: entity.embedder,
          name_embedding: entity.nameEmbedding,
        })),
        now,
      },
    ),

  createEpisodes: (
    context: WorkspaceContext,
    episodes: Array<{ id: string; documentId: string; chunkId: string | null; position: number; source: string; title: string; content: string; referenceTime: string }>,
    now: string,
  ) =>
    groupScopedCypher(
      context,
      'createEpisodes',
      ({ node }) => `UNWIND $episodes AS episode
        CREATE ${node('ep', 'Episode', {
          uuid: 'episode.id',
          document_id: 'episode.document_id',
          chunk_id: 'episode.chunk_id',
          position: 'episode.position',
          source: 'episode.source',
          title: 'episode.title',
          content: 'episode.content',
          reference_time: 'episode.reference_time',
          created_at: '$now',
        })}`,
      {
        episodes: episodes.map((episode) => ({
          id: episode.id,
          document_id: episode.documentId,
          chunk_id: episode.chunkId,
          position: cypherInteger(episode.position),
          source: episode.source,
          title: episode.title,
          content: episode.content,
          reference_time: episode.referenceTime,
        })),
        now,
      },
    ),

  createMentions: (context: WorkspaceContext, mentions: Array<{ entityId: string; episodeId: string }>) =>
    groupScopedCypher(
      context,
      'createMentions',
      ({ node, relationship }) => `UNWIND $mentions AS mention
        MATCH ${node('ep', 'Episode', { uuid: 'mention.episode_id' })}
        MATCH ${node('e', 'Entity', { uuid: 'mention.entity_id' })}
        MERGE (ep)-${relationship('m', 'MENTIONS')}->(e)`,
      { mentions: mentions.map((mention) => ({ entity_id: mention.entityId, episode_id: mention.episodeId })) },
    ),

  createFacts: (context: WorkspaceContext, facts: FactRow[]) =>
    groupScopedCypher(
      context,
      'createFacts',
      ({ node, relationship }) => `UNWIND $facts AS fact
        MATCH ${node('s', 'Entity', { uuid: 'fact.source_id' })}
        MATCH ${node('t', 'Entity', { uuid: 'fact.target_id' })}
        CREATE (s)-${relationship('r', 'RELATES_TO', {
          uuid: 'fact.id',
          relation: 'fact.relation',
          fact: 'fact.fact',
          terms: 'fact.terms',
          term_count: 'size(fact.terms)',
          embedder: 'fact.embedder',
          fact_embedding: 'fact.fact_embedding',
          valid_at: 'fact.valid_at',
          invalid_at: 'fact.invalid_at',
          created_at: 'fact.created_at',
          expired_at: 'fact.expired_at',
          invalidated_by: 'fact.invalidated_by',
          episodes: '[]',
        })}->(t)`,
      {
        facts: facts.map((fact) => ({
          id: fact.id,
          source_id: fact.sourceId,
          target_id: fact.targetId,
          relation: fact.relation,
          fact: fact.fact,
          terms: fact.terms,
          embedder: fact.embedder,
          fact_embedding: fact.factEmbedding,
          valid_at: fact.validAt,
          invalid_at: fact.invalidAt,
          created_at: fact.createdAt,
          expired_at: fact.expiredAt,
          invalidated_by: fact.invalidatedBy,
        })),
      },
    ),

  addSupports: (context: WorkspaceContext, supports: Array<{ factId: string; episodeId: string }>) =>
    groupScopedCypher(
      context,
      'addSupports',
      ({ node, relationship }) => `UNWIND $supports AS support
        MATCH ${node('', 'Entity')}-${relationship('r', 'RELATES_TO', { uuid: 'support.fact_id' })}->${node('', 'Entity')}
        SET r.episodes = CASE WHEN support.episode_id IN r.episodes THEN r.episodes ELSE r.episodes + support.episode_id END`,
      { supports: supports.map((support) => ({ fact_id: support.factId, episode_id: support.episodeId })) },
    ),

  invalidateFacts: (
    context: WorkspaceContext,
    invalidations: Array<{ factId: string; invalidAt: string; expiredAt: string; invalidatedByFactId: string }>,
  ) =>
    groupScopedCypher(
      context,
      'invalidateFacts',
      ({ node, relationship }) => `UNWIND $invalidations AS invalidation
        MATCH ${node('', 'Entity')}-${relationship('r', 'RELATES_TO', { uuid: 'invalidation.fact_id' })}->${node('', 'Entity')}
        WHERE r.invalid_at IS NULL
        SET r.invalid_at = invalidation.invalid_at, r.expired_at = invalidation.expired_at,
            r.invalidated_by = invalidation.invalidated_by`,
      {
        invalidations: invalidations.map((invalidation) => ({
          fact_id: invalidation.factId,
          invalid_at: invalidation.invalidAt,
          expired_at: invalidation.expiredAt,
          invalidated_by: invalidation.invalidatedByFactId,
        })),
      },
    ),

  // Removing episodes (a deleted or replaced document)
  episodesOfDocument: (context: WorkspaceContext, documentId: string, keepEpisodeIds: string[]) =>
    groupScopedCypher(
      context,
      'episodesOfDocument',
      ({ node }) => `MATCH ${node('ep', 'Episode', { document_id: '$document_id' })}
        WHERE NOT ep.uuid IN $keep
        RETURN ep.uuid AS id
        ORDER BY ep.position, ep.uuid`,
      { document_id: documentId, keep: keepEpisodeIds },
    ),

  detachFactsFromEpisodes: (context: WorkspaceContext, episodeIds: string[]) =>
    groupScopedCypher(
      context,
      'detachFactsFromEpisodes',
      ({ node, relationship }) => `MATCH ${node('', 'Entity')}-${relationship('r', 'RELATES_TO')}->${node('', 'Entity')}
        WHERE any(episode IN r.episodes WHERE episode IN $episode_ids)
        SET r.episodes = [episode IN r.episodes WHERE NOT episode IN $episode_ids]
        RETURN r.uuid AS id`,
      { episode_ids: episodeIds },
    ),

  entitiesMentionedBy: (context: WorkspaceContext, episodeIds: string[]) =>
    groupScopedCypher(
      context,
      'entitiesMentionedBy',
      ({ node, relationship }) => `MATCH ${node('ep', 'Episode')}-${relationship('', 'MENTIONS')}->${node('e', 'Entity')}
        WHERE ep.uuid IN $episode_ids
        RETURN DISTINCT e.uuid AS id`,
      { episode_ids: episodeIds },
    ),

  deleteEpisodes: (context: WorkspaceContext, episodeIds: string[]) =>
    groupScopedCypher(
      context,
      'deleteEpisodes',
      ({ node }) => `MATCH ${node('ep', 'Episode')}
        WHERE ep.uuid IN $episode_ids
        WITH ep, ep.uuid AS id
        DETACH DELETE ep
        RETURN count(id) AS deleted`,
      { episode_ids: episodeIds },
    ),

  deleteUnsupportedFacts: (context: WorkspaceContext, factIds: string[]) =>
    groupScopedCypher(
      context,
      'deleteUnsupportedFacts',
      ({ node, relationship }) => `MATCH ${node('s', 'Entity')}-${relationship('r', 'RELATES_TO')}->${node('t', 'Entity')}
        WHERE r.uuid IN $fact_ids AND size(r.episodes) = 0
        WITH r, r.uuid AS id, s.uuid AS source_id, t.uuid AS target_id
        DELETE r
        RETURN id, source_id, target_id`,
      { fact_ids: factIds },
    ),

  restoreFactsInvalidatedBy: (context: WorkspaceContext, factIds: string[]) =>
    groupScopedCypher(
      context,
      'restoreFactsInvalidatedBy',
      ({ node, relationship }) => `MATCH ${node('', 'Entity')}-${relationship('r', 'RELATES_TO')}->${node('', 'Entity')}
        WHERE r.invalidated_by IN $fact_ids
        SET r.invalid_at = null, r.expired_at = null, r.invalidated_by = null`,
      { fact_ids: factIds },
    ),

  deleteOrphanEntities: (context: WorkspaceContext, entityIds: string[]) =>
    groupScopedCypher(
      context,
      'deleteOrphanEntities',
      ({ node, relationship }) => `MATCH ${node('e', 'Entity')}
        WHERE e.uuid IN $entity_ids
          AND NOT EXISTS { MATCH (e)<-${relationship('', 'MENTIONS')}-${node('', 'Episode')} }
          AND NOT EXISTS { MATCH (e)-${relationship('', 'RELATES_TO')}-${node('', 'Entity')} }
        WITH e, e.uuid AS id
        DETACH DELETE e
        RETURN count(id) AS deleted`,
      { entity_ids: entityIds },
    ),

  // Clearing a whole group (a deleted workspace)
  deleteGroupFacts: (context: WorkspaceContext) =>
    groupScopedCypher(
      context,
      'deleteGroupFacts',
      ({ node, relationship }) => `MATCH ${node('', 'Entity')}-${relationship('r', 'RELATES_TO')}->${node('', 'Entity')}
        WITH r, r.uuid AS id
        DELETE r
        RETURN count(id) AS deleted`,
    ),

  deleteGroupNodes: (context: WorkspaceContext, label: 'Entity' | 'Episode') =>
    groupScopedCypher(
      context,
      label === 'Entity' ? 'deleteGroupEntities' : 'deleteGroupEpisodes',
      ({ node }) => `MATCH ${node('n', label)}
        WITH n, n.uuid AS id
        DETACH DELETE n
        RETURN count(id) AS deleted`,
    ),

  // Search
  groupTextStatistics: (context: WorkspaceContext, terms: string[]) =>
    groupScopedCypher(
      context,
      'groupTextStatistics',
      ({ node, relationship }) => `MATCH ${node('', 'Entity')}-${relationship('r', 'RELATES_TO')}->${node('', 'Entity')}
        WITH count(r) AS fact_count, coalesce(avg(r.term_count), 0.0) AS average_length, collect(r.terms) AS all_terms
        UNWIND $terms AS term
        RETURN fact_count, average_length, term, size([terms IN all_terms WHERE term IN terms]) AS document_frequency`,
      { terms },
    ),

  factsContainingTerms: (context: WorkspaceContext, terms: string[], currentOnly: boolean) =>
    groupScopedCypher(
      context,
      'factsContainingTerms',
      ({ node, relationship }) => `MATCH ${node('', 'Entity')}-${relationship('r', 'RELATES_TO')}->${node('', 'Entity')}
        WHERE any(term IN r.terms WHERE term IN $terms) AND ($current_only = false OR r.invalid_at IS NULL)
        RETURN r.uuid AS id, r.terms AS terms`,
      { terms, current_only: currentOnly },
    ),

  factsBySimilarity: (context: WorkspaceContext, embedding: number[], embedder: string, limit: number, currentOnly: boolean) =>
    groupScopedCypher(
      context,
      'factsBySimilarity',
      ({ node, relationship }) => `MATCH ${node('', 'Entity')}-${relationship('r', 'RELATES_TO')}->${node('', 'Entity')}
        WHERE r.embedder = $embedder AND size(r.fact_embedding) = size($embedding)
          AND ($current_only = false OR r.invalid_at IS NULL)
        WITH r, vector.similarity.cosine(r.fact_embedding, $embedding) AS score
        ORDER BY score DESC, r.uuid
        LIMIT $limit
        RETURN r.uuid AS id`,
      { embedding, embedder, limit: cypherInteger(limit), current_only: currentOnly },
    ),

  entitiesByNameTokens: (context: WorkspaceContext, tokens: string[]) =>
    groupScopedCypher(
      context,
      'entitiesByNameTokens',
      ({ node }) => `MATCH ${node('e', 'Entity')}
        WHERE any(token IN e.name_tokens WHERE token IN $tokens)
        RETURN ${entityFields('e')}
        ORDER BY e.uuid
        LIMIT $limit`,
      { tokens, limit: cypherInteger(200) },
    ),

  entitiesByEmbedding: (context: WorkspaceContext, embedding: number[], embedder: string, limit: number) =>
    groupScopedCypher(
      context,
      'entitiesByEmbedding',
      ({ node }) => `MATCH ${node('e', 'Entity')}
        WHERE e.embedder = $embedder AND size(e.name_embedding) = size($embedding)
        WITH e, vector.similarity.cosine(e.name_embedding, $embedding) AS score
        ORDER BY score DESC, e.uuid
        LIMIT $limit
        RETURN ${entityFields('e')}, score`,
      { embedding, embedder, limit: cypherInteger(limit) },
    ),

  factIdsAround: (context: WorkspaceContext, entityIds: string[], perEntityLimit: number, currentOnly: boolean) =>
    groupScopedCypher(
      context,
      'factIdsAround',
      ({ node, relationship }) => `UNWIND $entity_ids AS entity_id
        MATCH ${node('e', 'Entity', { uuid: 'entity_id' })}-${relationship('r', 'RELATES_TO')}-${node('', 'Entity')}
        WHERE $current_only = false OR r.invalid_at IS NULL
        WITH entity_id, r
        ORDER BY coalesce(r.valid_at, r.created_at) DESC, r.uuid
        WITH entity_id, collect(r.uuid)[0..$limit] AS ids
        UNWIND ids AS id
        RETURN DISTINCT id`,
      { entity_ids: entityIds, limit: cypherInteger(perEntityLimit), current_only: currentOnly },
    ),

  factViews: (context: WorkspaceContext, factIds: string[]) =>
    groupScopedCypher(
      context,
      'factViews',
      ({ node, relationship }) => `MATCH ${node('s', 'Entity')}-${relationship('r', 'RELATES_TO')}->${node('t', 'Entity')}
        WHERE r.uuid IN $fact_ids
        OPTIONAL MATCH ${node('ep', 'Episode')}
        WHERE ep.uuid IN r.episodes
        WITH s, r, t, collect(DISTINCT ep.document_id) AS document_ids
        RETURN ${factFields}, s.name AS source_name, s.entity_type AS source_type,
               t.name AS target_name, t.entity_type AS target_type, document_ids`,
      { fact_ids: factIds },
    ),

  entityViews: (context: WorkspaceContext, entityIds: string[]) =>
    groupScopedCypher(
      context,
      'entityViews',
      ({ node }) => `MATCH ${node('e', 'Entity')}
        WHERE e.uuid IN $entity_ids
        RETURN ${entityFields('e')}`,
      { entity_ids: entityIds },
    ),

  entitiesNamed: (context: WorkspaceContext, normalizedName: string) =>
    groupScopedCypher(
      context,
      'entitiesNamed',
      ({ node }) => `MATCH ${node('e', 'Entity')}
        WHERE e.normalized_name = $name OR $name IN e.aliases
        RETURN ${entityFields('e')}
        ORDER BY CASE WHEN e.normalized_name = $name THEN 0 ELSE 1 END, e.name, e.uuid`,
      { name: normalizedName },
    ),

  // Traversal, one hop at a time so the statement text does not depend on the depth.
  neighbours: (context: WorkspaceContext, entityIds: string[]) =>
    groupScopedCypher(
      context,
      'neighbours',
      ({ node, relationship }) => `MATCH ${node('e', 'Entity')}-${relationship('', 'RELATES_TO')}-${node('n', 'Entity')}
        WHERE e.uuid IN $entity_ids
        RETURN DISTINCT n.uuid AS id`,
      { entity_ids: entityIds },
    ),

  factsAmong: (context: WorkspaceContext, innerEntityIds: string[], reachedEntityIds: string[]) =>
    groupScopedCypher(
      context,
      'factsAmong',
      ({ node, relationship }) => `MATCH ${node('s', 'Entity')}-${relationship('r', 'RELATES_TO')}->${node('t', 'Entity')}
        WHERE (s.uuid IN $inner_ids OR t.uuid IN $inner_ids) AND s.uuid IN $reached_ids AND t.uuid IN $reached_ids
        RETURN r.uuid AS id, s.uuid AS source_id, t.uuid AS target_id, coalesce(r.valid_at, r.created_at) AS time`,
      { inner_ids: innerEntityIds, reached_ids: reachedEntityIds },
    ),

  timeline: (context: WorkspaceContext, entityIds: string[], limit: number) =>
    groupScopedCypher(
      context,
      'timeline',
      ({ node, relationship }) => `MATCH ${node('s', 'Entity')}-${relationship('r', 'RELATES_TO')}->${node('t', 'Entity')}
        WHERE s.uuid IN $entity_ids OR t.uuid IN $entity_ids
        RETURN r.uuid AS id
        ORDER BY coalesce(r.valid_at, r.created_at), r.created_at, r.uuid
        LIMIT $limit`,
      { entity_ids: entityIds, limit: cypherInteger(limit) },
    ),

  counts: (context: WorkspaceContext) =>
    groupScopedCypher(
      context,
      'counts',
      ({ node, relationship }) => `OPTIONAL MATCH ${node('ep', 'Episode')}
        WITH count(ep) AS episodes
        OPTIONAL MATCH ${node('e', 'Entity')}
        WITH episodes, count(e) AS entities
        OPTIONAL MATCH ${node('', 'Entity')}-${relationship('r', 'RELATES_TO')}->${node('', 'Entity')}
        RETURN episodes, entities, count(r) AS facts`,
    ),
};

export type CypherStatementName = keyof typeof cypherStatements;
