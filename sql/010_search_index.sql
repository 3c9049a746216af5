-- Retrieval: per-workspace BM25 statistics and the search functions users may call directly.
--
-- BM25 needs document frequencies and an average length computed over ONE workspace's chunks
-- (ARCHITECTURE.md invariant 3): a shared full-text index would compute IDF across tenants.
-- search_postings holds one row per (workspace, lexeme, chunk), written by a trigger from the
-- chunk's generated search_vector; search_statistics keeps each workspace's chunk count and
-- total length. Both are tenant tables under the standard RLS policy, never read across workspaces.

CREATE TABLE search_postings (
  workspace_id uuid NOT NULL,
  -- A lexeme of to_tsvector('english', content): stemmed, stop words removed.
  lexeme text NOT NULL,
  chunk_id uuid NOT NULL,
  term_frequency integer NOT NULL CHECK (term_frequency > 0),
  -- The chunk's length in lexemes, copied here so scoring needs no join.
  chunk_length integer NOT NULL CHECK (chunk_length > 0),
  -- No foreign key to chunks: postings are derived rows that the chunk triggers below insert and
  -- delete, and a per-posting key check would double the cost of writing a chunk.
  PRIMARY KEY (workspace_id, lexeme, chunk_id)
);
CALL ragspace_protect_tenant_table('search_postings');
-- Serves the removal of a deleted chunk's postings.
CREATE INDEX search_postings_by_chunk ON search_postings (workspace_id, chunk_id);

CREATE TABLE search_statistics (
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  chunk_count bigint NOT NULL DEFAULT 0 CHECK (chunk_count >= 0),
  total_length bigint NOT NULL DEFAULT 0 CHECK (total_length >= 0),
  PRIMARY KEY (workspace_id)
);
CALL ragspace_protect_tenant_table('search_statistics');

-- Exact vector search reads a workspace's chunks through this index (the btree leads with the workspace).
CREATE INDEX chunks_by_document ON chunks (workspace_id, document_id);

-- One statement (data-modifying CTE) keeps the trigger cheap: it runs for every chunk insert.
-- A chunk's BM25 length is its number of lexeme occurrences (tsvector keeps at most 256 positions a lexeme).
CREATE FUNCTION ragspace_index_inserted_chunks() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  WITH measured AS (
    SELECT c.workspace_id, c.id, c.search_vector,
           (SELECT coalesce(sum(coalesce(array_length(term.positions, 1), 1)), 0) FROM unnest(c.search_vector) AS term)::integer AS chunk_length
    FROM inserted_chunks c
  ),
  postings AS (
    INSERT INTO search_postings (workspace_id, lexeme, chunk_id, term_frequency, chunk_length)
    SELECT m.workspace_id, term.lexeme, m.id, coalesce(array_length(term.positions, 1), 1), m.chunk_length
    FROM measured m
    CROSS JOIN LATERAL unnest(m.search_vector) AS term
  )
  INSERT INTO search_statistics AS s (workspace_id, chunk_count, total_length)
  SELECT m.workspace_id, count(*), sum(m.chunk_length)
  FROM measured m
  GROUP BY m.workspace_id
  ON CONFLICT (workspace_id) DO UPDATE
    SET chunk_count = s.chunk_count + excluded.chunk_count,
        total_length = s.total_length + excluded.total_length;
  RETURN NULL;
END
$$;

CREATE FUNCTION ragspace_unindex_deleted_chunks() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM search_postings p
  USING deleted_chunks c
  WHERE p.workspace_id = c.workspace_id AND p.chunk_id = c.id;

  UPDATE search_statistics s
  SET chunk_count = s.chunk_count - d.chunk_count,
      total_length = s.total_length - d.total_length
  FROM (
    SELECT c.workspace_id, count(*) AS chunk_count,
           sum((SELECT coalesce(sum(coalesce(array_length(term.positions, 1), 1)), 0) FROM unnest(c.search_vector) AS term)) AS total_length
    FROM deleted_chunks c
    GROUP BY c.workspace_id
  ) d
  WHERE s.workspace_id = d.workspace_id;
  RETURN NULL;
END
$$;

-- The postings describe the content a chunk was inserted with; replace a chunk instead of editing it.
CREATE FUNCTION ragspace_refuse_chunk_content_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'chunks.content cannot be updated: delete the chunk and insert a new one'
    USING ERRCODE = 'feature_not_supported';
END
$$;

CREATE TRIGGER chunks_index_inserted AFTER INSERT ON chunks
  REFERENCING NEW TABLE AS inserted_chunks
  FOR EACH STATEMENT EXECUTE FUNCTION ragspace_index_inserted_chunks();
CREATE TRIGGER chunks_unindex_deleted AFTER DELETE ON chunks
  REFERENCING OLD TABLE AS deleted_chunks
  FOR EACH STATEMENT EXECUTE FUNCTION ragspace_unindex_deleted_chunks();
CREATE TRIGGER chunks_content_is_immutable BEFORE UPDATE OF content, workspace_id, id ON chunks
  FOR EACH ROW EXECUTE FUNCTION ragspace_refuse_chunk_content_update();

-- ---------------------------------------------------------------------------------------------
-- Search functions. Each takes the workspace as a required argument and filters on it; called
-- inside a workspace transaction (as the TypeScript services do) RLS applies as well.
-- Ties are broken by chunk id so that results are reproducible.
-- ---------------------------------------------------------------------------------------------

-- BM25 with statistics from this workspace only: k1 = 1.2, b = 0.75, Lucene's non-negative IDF,
-- query-term frequency counted. Per chunk, score = Σ over query terms of
--   qtf · ln(1 + (N − df + 0.5) / (df + 0.5)) · tf · (k1 + 1) / (tf + k1 · (1 − b) + k1 · b · length / avgdl).
-- All arithmetic is in double precision (a bare 0.75 would be numeric, several times slower). Each
-- contribution is rounded to a whole number of 10⁻⁹ units before summing: sums of such integers
-- are exact in double precision, so a score does not depend on the order rows arrive in (a plan
-- change cannot move it in its last bit) and the aggregate needs no sort.
CREATE FUNCTION bm25_chunk_scores(
  target_workspace_id uuid,
  query_text text,
  match_count integer DEFAULT 10,
  document_ids uuid[] DEFAULT NULL,
  metadata_filter jsonb DEFAULT NULL
) RETURNS TABLE (chunk_id uuid, score double precision)
LANGUAGE sql STABLE AS $$
  WITH query_terms AS (
    SELECT term.lexeme, coalesce(array_length(term.positions, 1), 1)::double precision AS query_frequency
    FROM unnest(to_tsvector('english', query_text)) AS term
  ),
  statistics AS MATERIALIZED (
    SELECT s.chunk_count::double precision AS chunk_count,
           -- k1 · b / avgdl
           1.2::double precision * 0.75::double precision * s.chunk_count / s.total_length AS length_weight
    FROM search_statistics s
    WHERE s.workspace_id = target_workspace_id AND s.total_length > 0
  ),
  matches AS (
    SELECT p.chunk_id, p.term_frequency::double precision AS term_frequency, p.chunk_length, q.query_frequency,
           count(*) OVER (PARTITION BY p.lexeme)::double precision AS document_frequency
    FROM search_postings p
    JOIN query_terms q ON q.lexeme = p.lexeme
    WHERE p.workspace_id = target_workspace_id
  )
  SELECT m.chunk_id,
         sum(round(
           m.query_frequency
           * ln(1::double precision + (st.chunk_count - m.document_frequency + 0.5::double precision) / (m.document_frequency + 0.5::double precision))
           * m.term_frequency * 2.2::double precision
           / (m.term_frequency + 0.3::double precision + st.length_weight * m.chunk_length)
           * 1e9::double precision
         )) / 1e9::double precision AS score
  FROM matches m
  CROSS JOIN statistics st
  WHERE (document_ids IS NULL AND metadata_filter IS NULL)
     OR m.chunk_id IN (
       SELECT c.id FROM chunks c
       WHERE c.workspace_id = target_workspace_id
         AND (document_ids IS NULL OR c.document_id = ANY (document_ids))
         AND (metadata_filter IS NULL OR EXISTS (
           SELECT 1 FROM documents d
           WHERE d.workspace_id = target_workspace_id AND d.id = c.document_id AND d.metadata @> metadata_filter)))
  GROUP BY m.chunk_id
  ORDER BY score DESC, m.chunk_id
  LIMIT match_count
$$;

-- Exact cosine similarity over the workspace's chunks (no approximate index: 100 % recall, and
-- nothing another tenant stores can change the result).
CREATE FUNCTION vector_chunk_scores(
  target_workspace_id uuid,
  query_embedding vector,
  match_count integer DEFAULT 10,
  document_ids uuid[] DEFAULT NULL,
  metadata_filter jsonb DEFAULT NULL
) RETURNS TABLE (chunk_id uuid, similarity double precision)
LANGUAGE sql STABLE AS $$
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
  ORDER BY ranked.distance, ranked.id
$$;

-- Vector search with the chunk and its document.
CREATE FUNCTION match_chunks(
  target_workspace_id uuid,
  query_embedding vector,
  match_count integer DEFAULT 10,
  document_ids uuid[] DEFAULT NULL,
  metadata_filter jsonb DEFAULT NULL
) RETURNS TABLE (
  chunk_id uuid, document_id uuid, title text, source text, heading_path text[], content text,
  chunk_position integer, similarity double precision
)
LANGUAGE sql STABLE AS $$
  SELECT c.id, c.document_id, d.title, d.source, c.heading_path, c.content, c.position, v.similarity
  FROM vector_chunk_scores(target_workspace_id, query_embedding, match_count, document_ids, metadata_filter) v
  JOIN chunks c ON c.workspace_id = target_workspace_id AND c.id = v.chunk_id
  JOIN documents d ON d.workspace_id = target_workspace_id AND d.id = c.document_id
  ORDER BY v.similarity DESC, c.id
$$;

-- BM25 search with the chunk and its document.
CREATE FUNCTION bm25_search(
  target_workspace_id uuid,
  query_text text,
  match_count integer DEFAULT 10,
  document_ids uuid[] DEFAULT NULL,
  metadata_filter jsonb DEFAULT NULL
) RETURNS TABLE (
  chunk_id uuid, document_id uuid, title text, source text, heading_path text[], content text,
  chunk_position integer, score double precision
)
LANGUAGE sql STABLE AS $$
  SELECT c.id, c.document_id, d.title, d.source, c.heading_path, c.content, c.position, t.score
  FROM bm25_chunk_scores(target_workspace_id, query_text, match_count, document_ids, metadata_filter) t
  JOIN chunks c ON c.workspace_id = target_workspace_id AND c.id = t.chunk_id
  JOIN documents d ON d.workspace_id = target_workspace_id AND d.id = c.document_id
  ORDER BY t.score DESC, c.id
$$;

-- Reciprocal rank fusion of the BM25 and vector legs: score = Σ weight / (rrf_k + rank).
-- Each leg contributes its top candidate_count chunks (default: max(match_count, 100)).
CREATE FUNCTION hybrid_search(
  target_workspace_id uuid,
  query_text text,
  query_embedding vector,
  match_count integer DEFAULT 10,
  document_ids uuid[] DEFAULT NULL,
  metadata_filter jsonb DEFAULT NULL,
  text_weight double precision DEFAULT 1,
  vector_weight double precision DEFAULT 0.5,
  rrf_k integer DEFAULT 60,
  candidate_count integer DEFAULT NULL
) RETURNS TABLE (
  chunk_id uuid, document_id uuid, title text, source text, heading_path text[], content text,
  chunk_position integer, score double precision, text_score double precision, vector_score double precision,
  text_rank integer, vector_rank integer
)
LANGUAGE sql STABLE AS $$
  WITH text_leg AS (
    SELECT t.chunk_id, t.score, (row_number() OVER (ORDER BY t.score DESC, t.chunk_id))::integer AS rank
    FROM bm25_chunk_scores(target_workspace_id, query_text, coalesce(candidate_count, greatest(match_count, 100)),
                           document_ids, metadata_filter) t
    WHERE text_weight > 0
  ),
  vector_leg AS (
    SELECT v.chunk_id, v.similarity, (row_number() OVER (ORDER BY v.similarity DESC, v.chunk_id))::integer AS rank
    FROM vector_chunk_scores(target_workspace_id, query_embedding, coalesce(candidate_count, greatest(match_count, 100)),
                             document_ids, metadata_filter) v
    WHERE vector_weight > 0 AND query_embedding IS NOT NULL
  ),
  fused AS (
    SELECT coalesce(t.chunk_id, v.chunk_id) AS chunk_id,
           coalesce(text_weight / (rrf_k + t.rank), 0) + coalesce(vector_weight / (rrf_k + v.rank), 0) AS score,
           t.score AS text_score, v.similarity AS vector_score, t.rank AS text_rank, v.rank AS vector_rank
    FROM text_leg t
    FULL JOIN vector_leg v ON v.chunk_id = t.chunk_id
  )
  SELECT c.id, c.document_id, d.title, d.source, c.heading_path, c.content, c.position,
         f.score, f.text_score, f.vector_score, f.text_rank, f.vector_rank
  FROM fused f
  JOIN chunks c ON c.workspace_id = target_workspace_id AND c.id = f.chunk_id
  JOIN documents d ON d.workspace_id = target_workspace_id AND d.id = c.document_id
  ORDER BY f.score DESC, c.id
  LIMIT match_count
$$;

-- A document's chunks in order.
CREATE FUNCTION get_document_chunks(target_workspace_id uuid, target_document_id uuid)
RETURNS TABLE (
  chunk_id uuid, chunk_position integer, content text, heading_path text[], token_count integer, metadata jsonb
)
LANGUAGE sql STABLE AS $$
  SELECT c.id, c.position, c.content, c.heading_path, c.token_count, c.metadata
  FROM chunks c
  WHERE c.workspace_id = target_workspace_id AND c.document_id = target_document_id
  ORDER BY c.position
$$;
