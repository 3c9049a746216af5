-- Deleting a workspace runs as ragspace_admin and cascades to its chunks, whose statement trigger
-- then removes their postings and corrects the statistics as that same role. On a real PostgreSQL
-- this failed with "permission denied for table search_postings" (PGlite let it through): the
-- control plane needs exactly these privileges to finish the cascade, and nothing more.
GRANT SELECT, DELETE ON search_postings TO ragspace_admin;
GRANT SELECT, UPDATE ON search_statistics TO ragspace_admin;
