-- Durable ingestion jobs: uploads answered 202 live here until a server process has ingested them,
-- so they survive restarts and crashes and any process can report them. A job is tenant data
-- (workspace_id leads the key, forced RLS) and goes with its workspace (ON DELETE CASCADE).
--
-- A worker claims a queued job by setting a lease (a random token and an expiry) and renews it
-- while it runs; a lease that expires (the process died) puts the job back in the queue. Only the
-- holder of the current token may finish a job, so a job completes at most once.
CREATE TABLE ingestion_jobs (
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  source text NOT NULL CHECK (length(source) BETWEEN 1 AND 2000),
  size_bytes bigint NOT NULL CHECK (size_bytes >= 0),
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
  -- Everything ingestDocument needs besides the bytes (title, content type, metadata, chunking,
  -- graph flag) and who asked (API key, end customer).
  request jsonb NOT NULL CHECK (jsonb_typeof(request) = 'object'),
  -- The upload itself; released when the job finishes.
  content bytea,
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  -- A job retried after a transient failure waits until then.
  run_after timestamptz NOT NULL DEFAULT now(),
  lease_token uuid,
  lease_expires_at timestamptz,
  result jsonb,
  error jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz,
  PRIMARY KEY (workspace_id, id),
  CHECK ((status = 'running') = (lease_token IS NOT NULL AND lease_expires_at IS NOT NULL)),
  CHECK ((status IN ('queued', 'running')) = (content IS NOT NULL)),
  CHECK ((status IN ('succeeded', 'failed')) = (finished_at IS NOT NULL))
);
CALL ragspace_protect_tenant_table('ingestion_jobs');
-- The control plane claims jobs across workspaces, returns expired leases to the queue and prunes
-- old finished jobs; enqueueing, renewing and finishing run as the workspace (ragspace_app).
GRANT SELECT, UPDATE, DELETE ON ingestion_jobs TO ragspace_admin;

-- The fairness order: the head of each workspace's queue, its running jobs, its latest start.
CREATE INDEX ingestion_jobs_queued ON ingestion_jobs (workspace_id, created_at, id) WHERE status = 'queued';
CREATE INDEX ingestion_jobs_running ON ingestion_jobs (workspace_id, lease_expires_at) WHERE status = 'running';
CREATE INDEX ingestion_jobs_started ON ingestion_jobs (workspace_id, started_at DESC) WHERE started_at IS NOT NULL;
CREATE INDEX ingestion_jobs_finished ON ingestion_jobs (finished_at) WHERE finished_at IS NOT NULL;
