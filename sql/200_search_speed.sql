-- Faster search with the same isolation and the same scores (issue 10).
--
-- 1. Vectors are stored uncompressed in the chunk's row (STORAGE PLAIN): an exact scan or an
--    HNSW heap fetch then reads the vector where it lies, instead of de-TOASTing it (~3.3 TOAST
--    pages a dense vector) or decompressing it (pglz compresses the local embedder's sparse
--    vectors, and undoing it cost ~40 µs a row). A row must fit in a page, so vectors of more than
--    1,900 dimensions go out of line uncompressed (EXTERNAL) instead. The first start's
--    ALTER … TYPE vector(D) resets the storage, so ensureDeploymentEmbedder calls the procedure
--    below again. Rows written before keep their old storage until they are rewritten.
-- 2. BM25 reads postings from a covering primary key (index-only scans, no heap page per
--    posting) and document frequencies from a per-(workspace, lexeme) table kept by the chunk
--    triggers, instead of counting postings at query time. Scores are unchanged to the last bit:
--    the same double-precision operations in the same order (test/search/text-identity.test.ts).
-- 3. Vector search uses an HNSW index of the workspace's own when it has one (a partial index,
--    built online by src/search/vector-index.ts once the workspace passes a measured size), and an
--    exact scan through the workspace btree otherwise. No approximate index spans two workspaces.
--
-- BM25 constants (k1 = 1.2, b = 0.75) and the english configuration's stop words are those of
-- src/search/text-analysis.ts; tests pin the SQL to it.

CREATE PROCEDURE ragspace_store_vectors_in_rows()
LANGUAGE plpgsql AS $$
DECLARE
  dimensions integer;
BEGIN
  SELECT a.atttypmod INTO dimensions FROM pg_attribute a WHERE a.attrelid = 'chunks'::regclass AND a.attname = 'embedding';
  IF dimensions BETWEEN 1 AND 1900 THEN
    ALTER TABLE chunks ALTER COLUMN embedding SET STORAGE PLAIN;
  ELSIF dimensions > 1900 THEN
    ALTER TABLE chunks ALTER COLUMN embedding SET STORAGE EXTERNAL;
  END IF;
END
$$;
CALL ragspace_store_vectors_in_rows();

-- The planner and the triggers below see every workspace's rows only while FORCE is off (the
-- owner has no policy of its own); it is restored before the migration commits.
ALTER TABLE search_postings NO FORCE ROW LEVEL SECURITY;

ALTER TABLE search_postings
  DROP CONSTRAINT search_postings_pkey,
  ADD CONSTRAINT search_postings_pkey PRIMARY KEY (workspace_id, lexeme, chunk_id) INCLUDE (term_frequency, chunk_length);

-- How many of the workspace's chunks contain each lexeme: BM25's document frequency, per workspace.
CREATE TABLE search_term_statistics (
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  lexeme text NOT NULL,
  document_frequency integer NOT NULL CHECK (document_frequency > 0),
  PRIMARY KEY (workspace_id, lexeme)
);
CALL ragspace_protect_tenant_table('search_term_statistics');
-- Workspace deletion runs as ragspace_admin and cascades through the chunk triggers (see 050).
GRANT SELECT, UPDATE, DELETE ON search_term_statistics TO ragspace_admin;

ALTER TABLE search_term_statistics NO FORCE ROW LEVEL SECURITY;
INSERT INTO search_term_statistics (workspace_id, lexeme, document_frequency)
SELECT workspace_id, lexeme, count(*) FROM search_postings GROUP BY workspace_id, lexeme;
ALTER TABLE search_term_statistics FORCE ROW LEVEL SECURITY;
ALTER TABLE search_postings FORCE ROW LEVEL SECURITY;

-- A chunk's BM25 length: its number of lexeme occurrences (tsvector keeps at most 256 positions a lexeme).
CREATE FUNCTION ragspace_lexeme_count(document tsvector) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(sum(coalesce(array_length(term.positions, 1), 1)), 0)::integer FROM unnest(document) AS term
$$;

-- The workspace's search_statistics row is written first: its row lock orders every writer of
-- one workspace, so the per-lexeme rows after it are never locked in conflicting orders.
CREATE OR REPLACE FUNCTION ragspace_index_inserted_chunks() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO search_statistics AS s (workspace_id, chunk_count, total_length)
  SELECT c.workspace_id, count(*), sum(ragspace_lexeme_count(c.search_vector))
  FROM inserted_chunks c
  GROUP BY c.workspace_id
  ORDER BY c.workspace_id
  ON CONFLICT (workspace_id) DO UPDATE
    SET chunk_count = s.chunk_count + excluded.chunk_count,
        total_length = s.total_length + excluded.total_length;

  WITH measured AS MATERIALIZED (
    SELECT c.workspace_id, c.id, c.search_vector, ragspace_lexeme_count(c.search_vector) AS chunk_length FROM inserted_chunks c
  )
  INSERT INTO search_postings (workspace_id, lexeme, chunk_id, term_frequency, chunk_length)
  SELECT m.workspace_id, term.lexeme, m.id, coalesce(array_length(term.positions, 1), 1), m.chunk_length
  FROM measured m
  CROSS JOIN LATERAL unnest(m.search_vector) AS term;

  INSERT INTO search_term_statistics AS t (workspace_id, lexeme, document_frequency)
  SELECT c.workspace_id, term.lexeme, count(*)
  FROM inserted_chunks c
  CROSS JOIN LATERAL unnest(c.search_vector) AS term
  GROUP BY c.workspace_id, term.lexeme
  ORDER BY c.workspace_id, term.lexeme
  ON CONFLICT (workspace_id, lexeme) DO UPDATE SET document_frequency = t.document_frequency + excluded.document_frequency;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION ragspace_unindex_deleted_chunks() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE search_statistics s
  SET chunk_count = s.chunk_count - d.chunk_count,
      total_length = s.total_length - d.total_length
  FROM (
    SELECT c.workspace_id, count(*) AS chunk_count, sum(ragspace_lexeme_count(c.search_vector)) AS total_length
    FROM deleted_chunks c
    GROUP BY c.workspace_id
  ) d
  WHERE s.workspace_id = d.workspace_id;

  DELETE FROM search_postings p
  USING deleted_chunks c
  WHERE p.workspace_id = c.workspace_id AND p.chunk_id = c.id;

  UPDATE search_term_statistics t
  SET document_frequency = t.document_frequency - r.removed
  FROM (
    SELECT c.workspace_id, term.lexeme, count(*) AS removed
    FROM deleted_chunks c
    CROSS JOIN LATERAL unnest(c.search_vector) AS term
    GROUP BY c.workspace_id, term.lexeme
  ) r
  WHERE t.workspace_id = r.workspace_id AND t.lexeme = r.lexeme AND t.document_frequency > r.removed;

  -- What is left are the lexemes no chunk of the workspace contains any more.
  DELETE FROM search_term_statistics t
  USING (SELECT DISTINCT c.workspace_id, term.lexeme FROM deleted_chunks c CROSS JOIN LATERAL unnest(c.search_vector) AS term) r
  WHERE t.workspace_id = r.workspace_id AND t.lexeme = r.lexeme
    AND NOT EXISTS (SELECT 1 FROM search_postings p WHERE p.workspace_id = r.workspace_id AND p.lexeme = r.lexeme);
  RETURN NULL;
END
$$;

-- BM25 with statistics from this workspace only: k1 = 1.2, b = 0.75, Lucene's non-negative IDF,
-- query-term frequency counted (formula and rounding as in 010). Each query term's weight
-- qtf · idf is computed once from search_term_statistics; postings come from the covering key.
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
  WHERE (document_ids IS NULL AND metadata_filter IS NULL)
     OR p.chunk_id IN (
       SELECT c.id FROM chunks c
       WHERE c.workspace_id = target_workspace_id
         AND (document_ids IS NULL OR c.document_id = ANY (document_ids))
         AND (metadata_filter IS NULL OR EXISTS (
           SELECT 1 FROM documents d
           WHERE d.workspace_id = target_workspace_id AND d.id = c.document_id AND d.metadata @> metadata_filter)))
  GROUP BY p.chunk_id
  ORDER BY score DESC, p.chunk_id
  LIMIT match_count
$$;

-- The name of a workspace's own HNSW index (src/search/vector-index.ts builds and drops it).
CREATE FUNCTION ragspace_vector_index_name(target_workspace_id uuid) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT 'chunks_embedding_' || replace(target_workspace_id::text, '-', '')
$$;

-- Cosine similarity over the workspace's chunks. With a valid index of the workspace's own:
-- HNSW with iterative scans (filters stay correct) and an ef_search of at least 100 and twice
-- the depth asked, so recall@10 and hybrid's candidate depth keep ≥ 0.95 (bench: search-latency);
-- the workspace id is written into the statement as a literal so the planner matches the partial
-- index (a generic plan would not). Without one: the exact scan of 010, ties broken by chunk id.
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
        AND ($3::uuid[] IS NULL OR c.document_id = ANY ($3))
        AND ($4::jsonb IS NULL OR EXISTS (
          SELECT 1 FROM documents d
          WHERE d.workspace_id = %1$L::uuid AND d.id = c.document_id AND d.metadata @> $4))
      ORDER BY c.embedding <=> $1
      LIMIT $2
    ) ranked
    ORDER BY ranked.distance, ranked.id
  $query$, target_workspace_id)
  USING query_embedding, match_count, document_ids, metadata_filter;
  PERFORM set_config('enable_sort', sort_setting, true);
END
$$;
