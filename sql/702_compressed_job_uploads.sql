-- A background upload is stored gzip-compressed (src/jobs/job-content.ts), compressed and
-- expanded by the server off its event loop and outside any transaction. The bytes a statement
-- moves are what holds the embedded database for every tenant: a 10 MB Markdown upload held it
-- about a second to store and 0.4 s to read back; compressed (≈ 2.6× for prose, ≈ 250× for one
-- repeated word) it holds it for a fraction of that. Jobs queued before this migration keep
-- their bytes as they were ('identity').
ALTER TABLE ingestion_jobs
  ADD COLUMN content_encoding text NOT NULL DEFAULT 'identity' CHECK (content_encoding IN ('identity', 'gzip'));
-- Already compressed: the database's own pglz pass would find nothing to gain.
ALTER TABLE ingestion_jobs ALTER COLUMN content SET STORAGE EXTERNAL;
