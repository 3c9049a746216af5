-- Keep graph embeddings inline in their rows (compressed if that helps) instead of out-of-line in
-- TOAST: exact similarity reads every vector of the workspace, and a TOAST fetch per row doubled the
-- scan time of 1,024-dimension vectors in PGlite (17 ms → 9 ms for 2,500 rows). A row that cannot
-- fit in a page still moves out of line, so nothing is refused.
ALTER TABLE graph_facts ALTER COLUMN fact_embedding SET STORAGE MAIN;
ALTER TABLE graph_entities ALTER COLUMN name_embedding SET STORAGE MAIN;
