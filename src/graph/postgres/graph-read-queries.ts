// Read queries of the postgres graph backend. Each runs inside withWorkspace and filters every table on
// workspace_id; similarity and BM25 are computed exactly over the workspace's own rows and statistics.
import type { Queryable } from '../../db/database.ts';
import type { EntityCandidateQuery, EntityCandidates, SearchCandidateQuery, SearchCandidates, Traversal } from '../graph-store.ts';
import type { EntityRecord, EntityView, FactView, StoredFact } from '../model.ts';
import { loadFactViews, orderLike } from './fact-views.ts';
import { entityColumns, factColumns, toEntityRecord, toEntityView, toFactRecord, toVectorLiteral, type EntityRow, type FactRow } from './rows.ts';
import { bm25Parameters } from '../../search/text-analysis.ts';

// Numbers from the text-analysis module, written into the SQL text as the same literals as before.
const { k1, b } = bm25Parameters;

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
      // Materialised so each query vector is parsed once, not once per compared row.
      `WITH queries AS MATERIALIZED (
         SELECT q.ordinality::integer - 1 AS query_index, q.embedding::vector AS embedding
         FROM unnest($2::text[]) WITH ORDINALITY AS q(embedding, ordinality)
       )
       SELECT queries.query_index, m.*
       FROM queries
       CROSS JOIN LATERAL (
         SELECT ${entityColumns}, 1 - (e.name_embedding <=> queries.embedding) AS similarity
         FROM graph_entities e
         WHERE e.workspace_id = $1 AND e.embedder = $3 AND vector_dims(e.name_embedding) = $4
         ORDER BY e.name_embedding <=> queries.embedding, e.id
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

export async function findFactsTouching(transaction: Queryable, workspaceId: string, entityIds: string[]): Promise<StoredFact[]> {
  if (entityIds.length === 0) return [];
  const { rows } = await transaction.query<FactRow & { source_name: string; target_name: string }>(
    `SELECT ${factColumns}, s.name AS source_name, t.name AS target_name
     FROM graph_facts f
     JOIN graph_entities s ON s.workspace_id = $1 AND s.id = f.source_entity_id
     JOIN graph_entities t ON t.workspace_id = $1 AND t.id = f.target_entity_id
     WHERE f.workspace_id = $1 AND (f.source_entity_id = ANY($2::uuid[]) OR f.target_entity_id = ANY($2::uuid[]))
     ORDER BY f.created_at, f.id`,
    [workspaceId, entityIds],
  );
  return rows.map((row) => ({ ...toFactRecord(row), sourceName: row.source_name, targetName: row.target_name }));
}

/**
 * BM25 (bm25Parameters of the text-analysis module, query-term frequency counted) over the workspace's facts. The CTEs are
 * materialised so the plan does not depend on table statistics: PGlite has no autovacuum, so a
 * freshly filled table keeps its empty-table estimates, and an inlined aggregate was re-run per row.
 */
async function factsByText(transaction: Queryable, workspaceId: string, query: SearchCandidateQuery): Promise<string[]> {
  const { rows } = await transaction.query<{ id: string }>(
    `WITH query_terms AS MATERIALIZED (
       SELECT t.lexeme, cardinality(t.positions) AS query_frequency FROM unnest(to_tsvector('english', $2)) t
     ),
     postings AS MATERIALIZED (
       SELECT p.fact_id, q.lexeme, p.term_frequency, q.query_frequency
       FROM query_terms q
       CROSS JOIN LATERAL (
         SELECT t.fact_id, t.term_frequency FROM graph_fact_terms t WHERE t.workspace_id = $1 AND t.lexeme = q.lexeme
       ) p
     ),
     term_statistics AS MATERIALIZED (
       SELECT lexeme, count(*)::float8 AS document_frequency FROM postings GROUP BY lexeme
     ),
     corpus AS MATERIALIZED (
       SELECT count(*)::float8 AS fact_count, coalesce(avg(term_count), 0)::float8 AS average_length
       FROM graph_facts WHERE workspace_id = $1
     ),
     scored AS MATERIALIZED (
       SELECT p.fact_id,
              sum(p.query_frequency
                  * ln(1 + (c.fact_count - s.document_frequency + 0.5) / (s.document_frequency + 0.5))
                  * p.term_frequency * ${k1 + 1}
                  / (p.term_frequency + ${k1} * (${1 - b} + ${b} * f.term_count / greatest(c.average_length, 1)))) AS score
       FROM postings p
       JOIN term_statistics s ON s.lexeme = p.lexeme
       JOIN graph_facts f ON f.workspace_id = $1 AND f.id = p.fact_id
       CROSS JOIN corpus c
       WHERE $4::boolean IS FALSE OR f.invalid_at IS NULL
       GROUP BY p.fact_id
     )
     SELECT fact_id::text AS id FROM scored ORDER BY score DESC, fact_id LIMIT $3`,
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

// Breadth-first over facts in either direction: each step looks neighbours up through the source and
// target indexes. UNION (not UNION ALL) drops repeated (entity, distance) rows; the depth bound ends cycles.
const reachedEntitiesSql = `WITH RECURSIVE walk (entity_id, distance) AS (
    SELECT e.id, 0 FROM graph_entities e WHERE e.workspace_id = $1 AND e.id = ANY($2::uuid[])
    UNION
    SELECT next.entity_id, w.distance + 1
    FROM walk w
    CROSS JOIN LATERAL (
      SELECT f.target_entity_id AS entity_id FROM graph_facts f WHERE f.workspace_id = $1 AND f.source_entity_id = w.entity_id
      UNION ALL
      SELECT f.source_entity_id FROM graph_facts f WHERE f.workspace_id = $1 AND f.target_entity_id = w.entity_id
    ) next
    WHERE w.distance < $3
  )
  SELECT ${entityColumns}, r.distance::integer AS distance
  FROM (SELECT entity_id, min(distance) AS distance FROM walk GROUP BY entity_id) r
  JOIN graph_entities e ON e.workspace_id = $1 AND e.id = r.entity_id
  ORDER BY r.distance, e.name, e.id`;

export async function traverse(
  transaction: Queryable,
  workspaceId: string,
  startEntityIds: string[],
  depth: number,
  factLimit: number,
): Promise<Traversal> {
  if (startEntityIds.length === 0) return { entities: [], facts: [] };
  const { rows: entityRows } = await transaction.query<EntityRow & { distance: number }>(reachedEntitiesSql, [
    workspaceId,
    startEntityIds,
    depth,
  ]);
  // The facts walked: both ends reached, at least one end nearer than the depth bound.
  const { rows: factRows } = await transaction.query<{ id: string }>(
    `WITH reached AS MATERIALIZED (
       SELECT r.entity_id, r.distance FROM unnest($2::uuid[], $3::integer[]) AS r(entity_id, distance)
     )
     SELECT f.id::text AS id
     FROM reached a
     JOIN graph_facts f ON f.workspace_id = $1 AND f.source_entity_id = a.entity_id
     JOIN reached b ON b.entity_id = f.target_entity_id
     WHERE least(a.distance, b.distance) < $4
     ORDER BY least(a.distance, b.distance), coalesce(f.valid_at, f.created_at), f.id
     LIMIT $5`,
    [workspaceId, entityRows.map((row) => row.id), entityRows.map((row) => Number(row.distance)), depth, factLimit],
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
