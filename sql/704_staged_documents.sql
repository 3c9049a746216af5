-- Documents written in several short transactions, invisible until one last switch (issue 10).
--
-- A new document too large for one short transaction (document-store.ts: transactionLimitsFor) is
-- inserted unpublished, its chunks follow in transactions of bounded size, and one last
-- transaction publishes it. On the embedded database a transaction holds every tenant until it
-- commits, so bounding it bounds the longest wait of every other workspace's search.
--
-- Until it is published a document is listed, read and searched by no one. Its chunks are indexed
-- as they arrive, so the workspace's BM25 statistics (chunk count, lengths, document frequencies)
-- count them from their own transaction on: the statistics stay consistent with each other (a
-- document frequency never exceeds the chunk count), and scores are exactly those of a workspace
-- holding the document, whose chunks are never returned. Once published, scores are those of a
-- document written in one transaction.
ALTER TABLE documents ADD COLUMN published boolean NOT NULL DEFAULT true;

-- Searches look for unpublished documents on every call: usually there are none to find.
CREATE INDEX documents_unpublished ON documents (workspace_id, id) WHERE NOT published;

-- bm25_chunk_scores of 200, without the chunks of unpublished documents.
CREATE OR REPLACE FUNCTION bm25_chunk_scores(
  target_workspace_id uuid,
  query_text text,
  match_count integer DEFAULT 10,
  document_ids uuid[] DEFAULT NULL,
  metadata_filter jsonb DEFAULT NULL
) RETURNS TABLE (chunk_id uuid, score double precision)
LANGUAGE sql STABLE AS $$
  WITH statistics AS MATERIALIZED (
    SELECT s.chunk_count::double precision AS chunk_count,
           -- k1 · b / avgdl
           1.2::double precision * 0.75::double precision * s.chunk_count / s.total_length AS length_weight
    FROM search_statistics s
    WHERE s.workspace_id = target_workspace_id AND s.total_length > 0
  ),
  weighted_terms AS MATERIALIZED (
    SELECT term.lexeme,
           coalesce(array_length(term.positions, 1), 1)::double precision
           * ln(1::double precision + (st.chunk_count - t.document_frequency + 0.5::double precision) / (t.document_frequency + 0.5::double precision)) AS weight
    FROM unnest(to_tsvector('english', query_text)) AS term
    CROSS JOIN statistics st
    JOIN search_term_statistics t ON t.workspace_id = target_workspace_id AND t.lexeme = term.lexeme
  ),
  unpublished_chunks AS MATERIALIZED (
    SELECT c.id
    FROM documents d
    JOIN chunks c ON c.workspace_id = target_workspace_id AND c.document_id = d.id
    WHERE d.workspace_id = target_workspace_id AND NOT d.published
  )
  SELECT p.chunk_id,
         sum(round(
           w.weight * p.term_frequency::double precision * 2.2::double precision
           / (p.term_frequency::double precision + 0.3::double precision + st.length_weight * p.chunk_length)
           * 1e9::double precision
         )) / 1e9::double precision AS score
  FROM weighted_terms w
  JOIN search_postings p ON p.workspace_id = target_workspace_id AND p.lexeme = w.lexeme
  CROSS JOIN statistics st
  WHERE ((document_ids IS NULL AND metadata_filter IS NULL)
     OR p.chunk_id IN (
       SELECT c.id FROM chunks c
       WHERE c.workspace_id = target_workspace_id
         AND (document_ids IS NULL OR c.document_id = ANY (document_ids))
         AND (metadata_filter IS NULL OR EXISTS (
           SELECT 1 FROM documents d
           WHERE d.workspace_id = target_workspace_id AND d.id = c.document_id AND d.metadata @> metadata_filter))))
  GROUP BY p.chunk_id
  HAVING p.chunk_id NOT IN (SELECT u.id FROM unpublished_chunks u)
  ORDER BY score DESC, p.chunk_id
  LIMIT match_count
$$;

-- vector_chunk_scores of 200, without the chunks of unpublished documents.
CREATE OR REPLACE FUNCTION vector_chunk_scores(
  target_workspace_id uuid,
  query_embedding vector,
  match_count integer DEFAULT 10,
  document_ids uuid[] DEFAULT NULL,
  metadata_filter jsonb DEFAULT NULL
) RETURNS TABLE (chunk_id uuid, similarity double precision)
LANGUAGE plpgsql STABLE AS $$
DECLARE
  sort_setting text;
  -- NULL when every document is published (a comparison per row is then skipped).
  unpublished uuid[] := (SELECT array_agg(d.id) FROM documents d WHERE d.workspace_id = target_workspace_id AND NOT d.published);
BEGIN
  IF NOT EXISTS (
    SELECT 1 FROM pg_index i
    WHERE i.indexrelid = to_regclass(ragspace_vector_index_name(target_workspace_id)) AND i.indisvalid AND i.indisready
  ) THEN
    RETURN QUERY
      SELECT ranked.id, 1 - ranked.distance
      FROM (
        SELECT c.id, c.embedding <=> query_embedding AS distance
        FROM chunks c
        WHERE c.workspace_id = target_workspace_id
          AND c.embedding IS NOT NULL
          AND (unpublished IS NULL OR c.document_id <> ALL (unpublished))
          AND (document_ids IS NULL OR c.document_id = ANY (document_ids))
          AND (metadata_filter IS NULL OR EXISTS (
            SELECT 1 FROM documents d
            WHERE d.workspace_id = target_workspace_id AND d.id = c.document_id AND d.metadata @> metadata_filter))
        ORDER BY distance, c.id
        LIMIT match_count
      ) ranked
      ORDER BY ranked.distance, ranked.id;
    RETURN;
  END IF;
  PERFORM set_config('hnsw.ef_search', least(1000, greatest(100, 2 * match_count))::text, true);
  -- pgvector ≥ 0.8; on 0.7 the index answers without iterative scans.
  IF current_setting('hnsw.iterative_scan', true) IS NOT NULL THEN
    PERFORM set_config('hnsw.iterative_scan', 'relaxed_order', true);
  END IF;
  -- The workspace is past the size threshold, so its index answers: without sorts the planner
  -- cannot prefer reading every row through the btree (its estimates favour that on small tables).
  sort_setting := current_setting('enable_sort');
  PERFORM set_config('enable_sort', 'off', true);
  RETURN QUERY EXECUTE format($query$
    SELECT ranked.id, 1 - ranked.distance
    FROM (
      SELECT c.id, c.embedding <=> $1 AS distance
      FROM chunks c
      WHERE c.workspace_id = %1$L::uuid
        AND c.embedding IS NOT NULL
        AND ($5::uuid[] IS NULL OR c.document_id <> ALL ($5))
        AND ($3::uuid[] IS NULL OR c.document_id = ANY ($3))
        AND ($4::jsonb IS NULL OR EXISTS (
          SELECT 1 FROM documents d
          WHERE d.workspace_id = %1$L::uuid AND d.id = c.document_id AND d.metadata @> $4))
      ORDER BY c.embedding <=> $1
      LIMIT $2
    ) ranked
    ORDER BY ranked.distance, ranked.id
  $query$, target_workspace_id)
  USING query_embedding, match_count, document_ids, metadata_filter, unpublished;
  PERFORM set_config('enable_sort', sort_setting, true);
END
$$;
