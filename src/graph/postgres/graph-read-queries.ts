// Read queries of the postgres graph backend. Each runs inside withWorkspace and filters every table on
// workspace_id; similarity and BM25 are computed exactly over the workspace's own rows and statistics.
import type { Queryable } from '../../db/database.ts';
import type { EntityCandidateQuery, EntityCandidates, SearchCandidateQuery, SearchCandidates, Traversal } from '../graph-store.ts';
import type { EntityRecord, EntityView, FactRecord, FactView } from '../model.ts';
import { loadFactViews, orderLike } from './fact-views.ts';
import { entityColumns, factColumns, toEntityRecord, toEntityView, toFactRecord, toVectorLiteral, type EntityRow, type FactRow } from './rows.ts';

export async function findEntityCandidates(
  transaction: Queryable,
  workspaceId: string,
  query: EntityCandidateQuery,
): Promise<EntityCandidates> {
  const byName =
    query.normalizedNames.length === 0
      ? []
      : (
          await transaction.query<EntityRow>(
            `SELECT ${entityColumns} FROM graph_entities e
             WHERE e.workspace_id = $1 AND (e.normalized_name = ANY($2::text[]) OR e.aliases && $2::text[])`,
            [workspaceId, query.normalizedNames],
          )
        ).rows.map(toEntityRecord);
  const bySimilarity: EntityCandidates['bySimilarity'] = query.embeddings.map(() => []);
  if (query.embeddings.length > 0) {
    const { rows } = await transaction.query<EntityRow & { query_index: number; similarity: number }>(
      `SELECT q.ordinality::integer - 1 AS query_index, m.*
       FROM unnest($2::text[]) WITH ORDINALITY AS q(embedding, ordinality)
       CROSS JOIN LATERAL (
         SELECT ${entityColumns}, 1 - (e.name_embedding <=> q.embedding::vector) AS similarity
         FROM graph_entities e
         WHERE e.workspace_id = $1 AND e.embedder = $3 AND vector_dims(e.name_embedding) = $4
         ORDER BY e.name_embedding <=> q.embedding::vector, e.id
         LIMIT $5
       ) m`,
      [workspaceId, query.embeddings.map(toVectorLiteral), query.embedder, query.embeddings[0]!.length, query.limitPerEmbedding],
    );
    for (const row of rows) {
      bySimilarity[row.query_index]?.push({ entity: toEntityRecord(row), similarity: Number(row.similarity) });
    }
  }
  return { byName, bySimilarity };
}

export async function findFactsTouching(transaction: Queryable, workspaceId: string, entityIds: string[]): Promise<FactRecord[]> {
  if (entityIds.length === 0) return [];
  const { rows } = await transaction.query<FactRow>(
    `SELECT ${factColumns} FROM graph_facts f
     WHERE f.workspace_id = $1 AND (f.source_entity_id = ANY($2::uuid[]) OR f.target_entity_id = ANY($2::uuid[]))
     ORDER BY f.created_at, f.id`,
    [workspaceId, entityIds],
  );
  return rows.map(toFactRecord);
}

/** BM25 (k1 1.2, b 0.75, query-term frequency counted) over the workspace's fact sentences. */
async function factsByText(transaction: Queryable, workspaceId: string, query: SearchCandidateQuery): Promise<string[]> {
  const { rows } = await transaction.query<{ id: string }>(
    `WITH query_terms AS (
       SELECT t.lexeme, cardinality(t.positions) AS query_frequency FROM unnest(to_tsvector('english', $2)) t
     ),
     corpus AS (
       SELECT count(*)::float8 AS fact_count, coalesce(avg(term_count), 0)::float8 AS average_length
       FROM graph_facts WHERE workspace_id = $1
     ),
     term_statistics AS (
       SELECT p.lexeme, count(*)::float8 AS document_frequency
       FROM graph_fact_terms p JOIN query_terms q ON q.lexeme = p.lexeme
       WHERE p.workspace_id = $1
       GROUP BY p.lexeme
     )
     SELECT p.fact_id::text AS id,
            sum(q.query_frequency
                * ln(1 + (c.fact_count - s.document_frequency + 0.5) / (s.document_frequency + 0.5))
                * p.term_frequency * 2.2
                / (p.term_frequency + 1.2 * (0.25 + 0.75 * f.term_count / greatest(c.average_length, 1)))) AS score
     FROM graph_fact_terms p
     JOIN query_terms q ON q.lexeme = p.lexeme
     JOIN term_statistics s ON s.lexeme = p.lexeme
     JOIN graph_facts f ON f.workspace_id = $1 AND f.id = p.fact_id
     CROSS JOIN corpus c
     WHERE p.workspace_id = $1 AND ($4::boolean IS FALSE OR f.invalid_at IS NULL)
     GROUP BY p.fact_id
     ORDER BY score DESC, p.fact_id
     LIMIT $3`,
    [workspaceId, query.text, query.limit, query.currentOnly],
  );
  return rows.map((row) => row.id);
}

async function factsByEmbedding(transaction: Queryable, workspaceId: string, query: SearchCandidateQuery): Promise<string[]> {
  const { rows } = await transaction.query<{ id: string }>(
    `SELECT f.id::text AS id FROM graph_facts f
     WHERE f.workspace_id = $1 AND f.embedder = $2 AND vector_dims(f.fact_embedding) = $3
       AND ($6::boolean IS FALSE OR f.invalid_at IS NULL)
     ORDER BY f.fact_embedding <=> $4::vector, f.id
     LIMIT $5`,
    [workspaceId, query.embedder, query.embedding.length, toVectorLiteral(query.embedding), query.limit, query.currentOnly],
  );
  return rows.map((row) => row.id);
}

async function entitiesByName(transaction: Queryable, workspaceId: string, tokens: string[]): Promise<EntityRecord[]> {
  if (tokens.length === 0) return [];
  const { rows } = await transaction.query<EntityRow>(
    `SELECT ${entityColumns} FROM graph_entities e
     WHERE e.workspace_id = $1
       AND string_to_array(e.normalized_name || ' ' || array_to_string(e.aliases, ' '), ' ') && $2::text[]
     ORDER BY e.id
     LIMIT 200`,
    [workspaceId, tokens],
  );
  return rows.map(toEntityRecord);
}

async function entitiesByEmbedding(
  transaction: Queryable,
  workspaceId: string,
  query: SearchCandidateQuery,
): Promise<SearchCandidates['entitiesByEmbedding']> {
  const { rows } = await transaction.query<EntityRow & { similarity: number }>(
    `SELECT ${entityColumns}, 1 - (e.name_embedding <=> $4::vector) AS similarity
     FROM graph_entities e
     WHERE e.workspace_id = $1 AND e.embedder = $2 AND vector_dims(e.name_embedding) = $3
     ORDER BY e.name_embedding <=> $4::vector, e.id
     LIMIT $5`,
    [workspaceId, query.embedder, query.embedding.length, toVectorLiteral(query.embedding), Math.min(query.limit, 10)],
  );
  return rows.map((row) => ({ entity: toEntityRecord(row), similarity: Number(row.similarity) }));
}

export async function searchCandidates(
  transaction: Queryable,
  workspaceId: string,
  query: SearchCandidateQuery,
): Promise<SearchCandidates> {
  return {
    factsByText: await factsByText(transaction, workspaceId, query),
    factsByEmbedding: await factsByEmbedding(transaction, workspaceId, query),
    entitiesByName: await entitiesByName(transaction, workspaceId, query.nameTokens),
    entitiesByEmbedding: await entitiesByEmbedding(transaction, workspaceId, query),
  };
}

export async function loadEntityViews(transaction: Queryable, workspaceId: string, entityIds: string[]): Promise<EntityView[]> {
  if (entityIds.length === 0) return [];
  const { rows } = await transaction.query<EntityRow>(
    `SELECT ${entityColumns} FROM graph_entities e WHERE e.workspace_id = $1 AND e.id = ANY($2::uuid[])`,
    [workspaceId, entityIds],
  );
  const byId = new Map(rows.map((row) => [row.id, toEntityView(row)]));
  return entityIds.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : []));
}

/** The most recent facts (by valid time, else learned time) touching each entity. */
export async function factIdsAround(
  transaction: Queryable,
  workspaceId: string,
  entityIds: string[],
  perEntityLimit: number,
  currentOnly: boolean,
): Promise<string[]> {
  if (entityIds.length === 0) return [];
  const { rows } = await transaction.query<{ id: string }>(
    `SELECT DISTINCT around.id FROM unnest($2::uuid[]) AS start(entity_id)
     CROSS JOIN LATERAL (
       SELECT f.id::text AS id FROM graph_facts f
       WHERE f.workspace_id = $1 AND (f.source_entity_id = start.entity_id OR f.target_entity_id = start.entity_id)
         AND ($4::boolean IS FALSE OR f.invalid_at IS NULL)
       ORDER BY coalesce(f.valid_at, f.created_at) DESC, f.id
       LIMIT $3
     ) around`,
    [workspaceId, entityIds, perEntityLimit, currentOnly],
  );
  return rows.map((row) => row.id);
}

export async function findEntitiesByName(transaction: Queryable, workspaceId: string, normalizedName: string): Promise<EntityView[]> {
  const { rows } = await transaction.query<EntityRow>(
    `SELECT ${entityColumns} FROM graph_entities e
     WHERE e.workspace_id = $1 AND (e.normalized_name = $2 OR $2 = ANY(e.aliases))
     ORDER BY (e.normalized_name = $2) DESC, e.name, e.id`,
    [workspaceId, normalizedName],
  );
  return rows.map(toEntityView);
}

// Breadth-first over facts in either direction. UNION (not UNION ALL) drops repeated
// (entity, distance) rows, and the depth bound ends cycles.
const walkCte = `WITH RECURSIVE walk (entity_id, distance) AS (
    SELECT e.id, 0 FROM graph_entities e WHERE e.workspace_id = $1 AND e.id = ANY($2::uuid[])
    UNION
    SELECT CASE WHEN f.source_entity_id = w.entity_id THEN f.target_entity_id ELSE f.source_entity_id END, w.distance + 1
    FROM walk w
    JOIN graph_facts f ON f.workspace_id = $1 AND (f.source_entity_id = w.entity_id OR f.target_entity_id = w.entity_id)
    WHERE w.distance < $3
  ),
  reached AS (SELECT entity_id, min(distance) AS distance FROM walk GROUP BY entity_id)`;

export async function traverse(
  transaction: Queryable,
  workspaceId: string,
  startEntityIds: string[],
  depth: number,
  factLimit: number,
): Promise<Traversal> {
  if (startEntityIds.length === 0) return { entities: [], facts: [] };
  const { rows: entityRows } = await transaction.query<EntityRow & { distance: number }>(
    `${walkCte}
     SELECT ${entityColumns}, r.distance::integer AS distance
     FROM reached r JOIN graph_entities e ON e.workspace_id = $1 AND e.id = r.entity_id
     ORDER BY r.distance, e.name, e.id`,
    [workspaceId, startEntityIds, depth],
  );
  const { rows: factRows } = await transaction.query<{ id: string }>(
    `${walkCte}
     SELECT f.id::text AS id FROM graph_facts f
     JOIN reached a ON a.entity_id = f.source_entity_id
     JOIN reached b ON b.entity_id = f.target_entity_id
     WHERE f.workspace_id = $1 AND least(a.distance, b.distance) < $3
     ORDER BY least(a.distance, b.distance), coalesce(f.valid_at, f.created_at), f.id
     LIMIT $4`,
    [workspaceId, startEntityIds, depth, factLimit],
  );
  const factIds = factRows.map((row) => row.id);
  return {
    entities: entityRows.map((row) => ({ ...toEntityView(row), distance: Number(row.distance) })),
    facts: orderLike(await loadFactViews(transaction, workspaceId, factIds), factIds),
  };
}

export async function timeline(transaction: Queryable, workspaceId: string, entityIds: string[], limit: number): Promise<FactView[]> {
  if (entityIds.length === 0) return [];
  const { rows } = await transaction.query<{ id: string }>(
    `SELECT f.id::text AS id FROM graph_facts f
     WHERE f.workspace_id = $1 AND (f.source_entity_id = ANY($2::uuid[]) OR f.target_entity_id = ANY($2::uuid[]))
     ORDER BY coalesce(f.valid_at, f.created_at), f.created_at, f.id
     LIMIT $3`,
    [workspaceId, entityIds, limit],
  );
  const factIds = rows.map((row) => row.id);
  return orderLike(await loadFactViews(transaction, workspaceId, factIds), factIds);
}
