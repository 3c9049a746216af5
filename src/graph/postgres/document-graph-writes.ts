// Writes and removes one document's contribution to a workspace graph, inside a workspace transaction.
// Statements are set-based (unnest of parameter arrays) so a document costs a handful of statements.
import type { Queryable } from '../../db/database.ts';
import type { DocumentGraphWrite, DocumentGraphWriteResult, RemovalResult } from '../graph-store.ts';
import { toVectorLiteral } from './rows.ts';

export async function writeDocumentGraph(
  transaction: Queryable,
  workspaceId: string,
  write: DocumentGraphWrite,
): Promise<DocumentGraphWriteResult> {
  const entityIds = await upsertEntities(transaction, workspaceId, write);
  const mapEntity = (id: string) => entityIds.get(id) ?? id;

  if (write.episodes.length > 0) {
    await transaction.query(
      `INSERT INTO graph_episodes (workspace_id, id, document_id, chunk_id, position, source, title, content, reference_time)
       SELECT $1, r.id, r.document_id, r.chunk_id, r.position, r.source, r.title, r.content, r.reference_time
       FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::integer[], $6::text[], $7::text[], $8::text[], $9::timestamptz[])
         AS r(id, document_id, chunk_id, position, source, title, content, reference_time)`,
      [
        workspaceId,
        write.episodes.map((episode) => episode.id),
        write.episodes.map((episode) => episode.documentId),
        write.episodes.map((episode) => episode.chunkId),
        write.episodes.map((episode) => episode.position),
        write.episodes.map((episode) => episode.source),
        write.episodes.map((episode) => episode.title),
        write.episodes.map((episode) => episode.content),
        write.episodes.map((episode) => episode.referenceTime),
      ],
    );
  }

  if (write.mentions.length > 0) {
    await transaction.query(
      `INSERT INTO graph_entity_episodes (workspace_id, entity_id, episode_id)
       SELECT $1, r.entity_id, r.episode_id FROM unnest($2::uuid[], $3::uuid[]) AS r(entity_id, episode_id)
       ON CONFLICT DO NOTHING`,
      [workspaceId, write.mentions.map((mention) => mapEntity(mention.entityId)), write.mentions.map((mention) => mention.episodeId)],
    );
  }

  if (write.facts.length > 0) {
    const factIds = write.facts.map((fact) => fact.id);
    await transaction.query(
      `INSERT INTO graph_facts (workspace_id, id, source_entity_id, target_entity_id, relation, fact, term_count, embedder,
                                fact_embedding, valid_at, invalid_at, created_at, expired_at, invalidated_by_fact_id)
       SELECT $1, r.id, r.source_entity_id, r.target_entity_id, r.relation, r.fact,
              (SELECT coalesce(sum(cardinality(t.positions)), 0) FROM unnest(to_tsvector('english', r.relation || ' ' || r.fact)) t),
              r.embedder, r.fact_embedding::vector, r.valid_at, r.invalid_at, r.created_at, r.expired_at, r.invalidated_by_fact_id
       FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::text[], $9::timestamptz[],
                   $10::timestamptz[], $11::timestamptz[], $12::timestamptz[], $13::uuid[])
         AS r(id, source_entity_id, target_entity_id, relation, fact, embedder, fact_embedding, valid_at, invalid_at,
              created_at, expired_at, invalidated_by_fact_id)`,
      [
        workspaceId,
        factIds,
        write.facts.map((fact) => mapEntity(fact.sourceEntityId)),
        write.facts.map((fact) => mapEntity(fact.targetEntityId)),
        write.facts.map((fact) => fact.relation),
        write.facts.map((fact) => fact.fact),
        write.facts.map((fact) => fact.embedder),
        write.facts.map((fact) => toVectorLiteral(fact.factEmbedding)),
        write.facts.map((fact) => fact.validAt),
        write.facts.map((fact) => fact.invalidAt),
        write.facts.map((fact) => fact.createdAt),
        write.facts.map((fact) => fact.expiredAt),
        write.facts.map((fact) => fact.invalidatedByFactId),
      ],
    );
    await transaction.query(
      `INSERT INTO graph_fact_terms (workspace_id, fact_id, lexeme, term_frequency)
       SELECT $1, f.id, t.lexeme, cardinality(t.positions)
       FROM graph_facts f CROSS JOIN LATERAL unnest(to_tsvector('english', f.relation || ' ' || f.fact)) t
       WHERE f.workspace_id = $1 AND f.id = ANY($2::uuid[])`,
      [workspaceId, factIds],
    );
  }

  if (write.supports.length > 0) {
    await transaction.query(
      `INSERT INTO graph_fact_episodes (workspace_id, fact_id, episode_id)
       SELECT $1, r.fact_id, r.episode_id FROM unnest($2::uuid[], $3::uuid[]) AS r(fact_id, episode_id)
       ON CONFLICT DO NOTHING`,
      [workspaceId, write.supports.map((support) => support.factId), write.supports.map((support) => support.episodeId)],
    );
  }

  if (write.invalidations.length > 0) {
    // Only a fact still valid is invalidated: an earlier invalidation keeps its time and cause.
    await transaction.query(
      `UPDATE graph_facts f
       SET invalid_at = r.invalid_at, expired_at = r.expired_at, invalidated_by_fact_id = r.invalidated_by_fact_id
       FROM unnest($2::uuid[], $3::timestamptz[], $4::timestamptz[], $5::uuid[])
         AS r(fact_id, invalid_at, expired_at, invalidated_by_fact_id)
       WHERE f.workspace_id = $1 AND f.id = r.fact_id AND f.invalid_at IS NULL`,
      [
        workspaceId,
        write.invalidations.map((invalidation) => invalidation.factId),
        write.invalidations.map((invalidation) => invalidation.invalidAt),
        write.invalidations.map((invalidation) => invalidation.expiredAt),
        write.invalidations.map((invalidation) => invalidation.invalidatedByFactId),
      ],
    );
  }

  // The document's earlier episodes (a replaced version) go last, so facts it restates keep their ids.
  const { rows } = await transaction.query<{ id: string }>(
    `SELECT id::text AS id FROM graph_episodes WHERE workspace_id = $1 AND document_id = $2 AND NOT (id = ANY($3::uuid[]))`,
    [workspaceId, write.documentId, write.episodes.map((episode) => episode.id)],
  );
  await removeEpisodes(
    transaction,
    workspaceId,
    rows.map((row) => row.id),
  );
  return { entityIds };
}

async function upsertEntities(
  transaction: Queryable,
  workspaceId: string,
  write: DocumentGraphWrite,
): Promise<Map<string, string>> {
  const entityIds = new Map<string, string>();
  if (write.entityUpdates.length > 0) {
    await transaction.query(
      `UPDATE graph_entities e
       SET aliases = ARRAY(SELECT DISTINCT alias FROM unnest(e.aliases || r.aliases) AS alias ORDER BY alias),
           summary = CASE WHEN e.summary = '' THEN r.summary ELSE e.summary END,
           updated_at = now()
       FROM (SELECT u.id, string_to_array(u.aliases, chr(31)) AS aliases, u.summary
             FROM unnest($2::uuid[], $3::text[], $4::text[]) AS u(id, aliases, summary)) r
       WHERE e.workspace_id = $1 AND e.id = r.id`,
      [
        workspaceId,
        write.entityUpdates.map((update) => update.id),
        // Aliases travel joined by the unit separator: a text[][] parameter would need equal lengths.
        write.entityUpdates.map((update) => update.aliases.join('\u001f')),
        write.entityUpdates.map((update) => update.summary),
      ],
    );
  }
  if (write.newEntities.length > 0) {
    // A concurrent writer may have created the same (name, type) since we looked: reuse its row.
    const { rows } = await transaction.query<{ id: string; normalized_name: string; entity_type: string }>(
      `INSERT INTO graph_entities (workspace_id, id, name, normalized_name, entity_type, summary, aliases, embedder, name_embedding)
       SELECT $1, r.id, r.name, r.normalized_name, r.entity_type, r.summary,
              coalesce(string_to_array(nullif(r.aliases, ''), chr(31)), '{}'), r.embedder, r.name_embedding::vector
       FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
         AS r(id, name, normalized_name, entity_type, summary, aliases, embedder, name_embedding)
       ON CONFLICT (workspace_id, normalized_name, entity_type) DO UPDATE
         SET summary = CASE WHEN graph_entities.summary = '' THEN EXCLUDED.summary ELSE graph_entities.summary END,
             updated_at = now()
       RETURNING id::text AS id, normalized_name, entity_type`,
      [
        workspaceId,
        write.newEntities.map((entity) => entity.id),
        write.newEntities.map((entity) => entity.name),
        write.newEntities.map((entity) => entity.normalizedName),
        write.newEntities.map((entity) => entity.type),
        write.newEntities.map((entity) => entity.summary),
        write.newEntities.map((entity) => entity.aliases.join('\u001f')),
        write.newEntities.map((entity) => entity.embedder),
        write.newEntities.map((entity) => toVectorLiteral(entity.nameEmbedding)),
      ],
    );
    const stored = new Map(rows.map((row) => [`${row.normalized_name}\u0000${row.entity_type}`, row.id]));
    for (const entity of write.newEntities) {
      const storedId = stored.get(`${entity.normalizedName}\u0000${entity.type}`);
      if (storedId) entityIds.set(entity.id, storedId);
    }
  }
  return entityIds;
}

/**
 * Deletes episodes, then the facts they alone supported (restoring facts those had invalidated),
 * then entities left with neither mentions nor facts.
 */
export async function removeEpisodes(
  transaction: Queryable,
  workspaceId: string,
  episodeIds: string[],
): Promise<RemovalResult> {
  if (episodeIds.length === 0) return { episodes: 0, facts: 0, entities: 0 };
  const { rows: affectedFacts } = await transaction.query<{ id: string }>(
    `SELECT DISTINCT fact_id::text AS id FROM graph_fact_episodes WHERE workspace_id = $1 AND episode_id = ANY($2::uuid[])`,
    [workspaceId, episodeIds],
  );
  const { rows: affectedEntities } = await transaction.query<{ id: string }>(
    `SELECT DISTINCT entity_id::text AS id FROM graph_entity_episodes WHERE workspace_id = $1 AND episode_id = ANY($2::uuid[])`,
    [workspaceId, episodeIds],
  );
  const deletedEpisodes = await transaction.query(
    `DELETE FROM graph_episodes WHERE workspace_id = $1 AND id = ANY($2::uuid[])`,
    [workspaceId, episodeIds],
  );
  const { rows: deletedFacts } = await transaction.query<{ id: string; source: string; target: string }>(
    `DELETE FROM graph_facts f
     WHERE f.workspace_id = $1 AND f.id = ANY($2::uuid[])
       AND NOT EXISTS (SELECT 1 FROM graph_fact_episodes s WHERE s.workspace_id = $1 AND s.fact_id = f.id)
     RETURNING f.id::text AS id, f.source_entity_id::text AS source, f.target_entity_id::text AS target`,
    [workspaceId, affectedFacts.map((row) => row.id)],
  );
  const deletedFactIds = deletedFacts.map((row) => row.id);
  if (deletedFactIds.length > 0) {
    await transaction.query(
      `UPDATE graph_facts SET invalid_at = NULL, expired_at = NULL, invalidated_by_fact_id = NULL
       WHERE workspace_id = $1 AND invalidated_by_fact_id = ANY($2::uuid[])`,
      [workspaceId, deletedFactIds],
    );
  }
  const candidateEntities = new Set([
    ...affectedEntities.map((row) => row.id),
    ...deletedFacts.flatMap((row) => [row.source, row.target]),
  ]);
  const deletedEntities = await transaction.query(
    `DELETE FROM graph_entities e
     WHERE e.workspace_id = $1 AND e.id = ANY($2::uuid[])
       AND NOT EXISTS (SELECT 1 FROM graph_entity_episodes m WHERE m.workspace_id = $1 AND m.entity_id = e.id)
       AND NOT EXISTS (SELECT 1 FROM graph_facts f WHERE f.workspace_id = $1 AND f.source_entity_id = e.id)
       AND NOT EXISTS (SELECT 1 FROM graph_facts f WHERE f.workspace_id = $1 AND f.target_entity_id = e.id)`,
    [workspaceId, [...candidateEntities]],
  );
  return { episodes: deletedEpisodes.rowCount, facts: deletedFactIds.length, entities: deletedEntities.rowCount };
}
