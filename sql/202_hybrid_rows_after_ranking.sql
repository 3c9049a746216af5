-- Hybrid search ranks the fused candidates first and reads the rows of the ones it returns, not
-- of all of them: with 201's single join the planner expected a thousand candidates (a set
-- function's default estimate) and hashed every chunk of the workspace to join them (15 of the
-- 30 ms of a hybrid search on a 10,000-chunk workspace; bench: search-latency). Same results,
-- same order: ties are still broken by chunk id.
CREATE OR REPLACE FUNCTION hybrid_search(
  target_workspace_id uuid,
  query_text text,
  query_embedding vector,
  match_count integer DEFAULT 10,
  document_ids uuid[] DEFAULT NULL,
  metadata_filter jsonb DEFAULT NULL,
  text_weight double precision DEFAULT 1,
  vector_weight double precision DEFAULT 0.25,
  candidate_count integer DEFAULT NULL
) RETURNS TABLE (
  chunk_id uuid, document_id uuid, title text, source text, heading_path text[], content text,
  chunk_position integer, score double precision, text_score double precision, vector_score double precision,
  text_rank integer, vector_rank integer
)
LANGUAGE sql STABLE AS $$
  WITH text_leg AS MATERIALIZED (
    SELECT t.chunk_id, t.score, (row_number() OVER (ORDER BY t.score DESC, t.chunk_id))::integer AS rank
    FROM bm25_chunk_scores(target_workspace_id, query_text, coalesce(candidate_count, greatest(match_count, 100)),
                           document_ids, metadata_filter) t
    WHERE text_weight > 0
  ),
  vector_leg AS MATERIALIZED (
    SELECT v.chunk_id, v.similarity, (row_number() OVER (ORDER BY v.similarity DESC, v.chunk_id))::integer AS rank
    FROM vector_chunk_scores(target_workspace_id, query_embedding, coalesce(candidate_count, greatest(match_count, 100)),
                             document_ids, metadata_filter) v
    WHERE vector_weight > 0 AND query_embedding IS NOT NULL
  ),
  -- Each leg's best score for this query (NULL when the leg found nothing or nothing similar).
  tops AS (
    SELECT (SELECT nullif(greatest(max(score), 0), 0) FROM text_leg) AS text_top,
           (SELECT nullif(greatest(max(similarity), 0), 0) FROM vector_leg) AS vector_top
  ),
  fused AS MATERIALIZED (
    SELECT coalesce(t.chunk_id, v.chunk_id) AS chunk_id,
           coalesce(text_weight * t.score / tops.text_top, 0) + coalesce(vector_weight * v.similarity / tops.vector_top, 0) AS score,
           t.score AS text_score, v.similarity AS vector_score, t.rank AS text_rank, v.rank AS vector_rank
    FROM text_leg t
    FULL JOIN vector_leg v ON v.chunk_id = t.chunk_id
    CROSS JOIN tops
    ORDER BY 2 DESC, 1
    LIMIT match_count
  )
  SELECT c.id, c.document_id, d.title, d.source, c.heading_path, c.content, c.position,
         f.score, f.text_score, f.vector_score, f.text_rank, f.vector_rank
  FROM fused f
  JOIN chunks c ON c.workspace_id = target_workspace_id AND c.id = f.chunk_id
  JOIN documents d ON d.workspace_id = target_workspace_id AND d.id = c.document_id
  ORDER BY f.score DESC, c.id
$$;
