-- Metering (issue 9, part 2): plan quotas counted in the database, chat-turn leases, usage events
-- with their cost, and the price table. See src/tenancy/quotas.ts, leases.ts, usage.ts, prices.ts.

-- ---------------------------------------------------------------------------------------------
-- The effective limit of the transaction's workspace, for quota statements run as ragspace_app.
-- ---------------------------------------------------------------------------------------------
-- The tenant role cannot read organizations or plans, so this function runs as its owner (the role
-- that applies migrations). It answers only for ragspace.workspace_id, the workspace the calling
-- transaction is already confined to, and merges exactly as plans.ts applyOverrides() does: a
-- workspace override (even null, which lifts the limit) wins over the plan; a missing limit is null
-- (unlimited). test/tenancy/quotas.test.ts checks that both agree.
--
-- workspaces forces row-level security on its owner too; this policy lets the owner (and only
-- inside this function's reach) see the one workspace row the transaction is set to.
DO $$
BEGIN
  EXECUTE format(
    'CREATE POLICY limits_lookup ON workspaces FOR SELECT TO %I USING (id = (SELECT ragspace_current_workspace()))',
    current_user);
END
$$;

CREATE FUNCTION ragspace_workspace_limit(limit_name text) RETURNS bigint
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, public
AS $$
  SELECT CASE WHEN w.limit_overrides ? limit_name THEN (w.limit_overrides ->> limit_name)::bigint
              ELSE (p.limits ->> limit_name)::bigint END
  FROM public.workspaces w
  JOIN public.organizations o ON o.id = w.organization_id
  JOIN public.plans p ON p.id = o.plan_id
  WHERE w.id = public.ragspace_current_workspace()
$$;
REVOKE ALL ON FUNCTION ragspace_workspace_limit(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ragspace_workspace_limit(text) TO ragspace_app;

-- ---------------------------------------------------------------------------------------------
-- Period quotas: one counter per workspace, quota and period (a UTC month or day). A new period
-- is a new row, so counters roll over on their boundaries with no job; old rows stay as history.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE quota_counters (
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  quota text NOT NULL CHECK (quota IN ('requestsPerMonth', 'chatMessagesPerDay', 'llmTokensPerMonth')),
  period_start timestamptz NOT NULL,
  used bigint NOT NULL DEFAULT 0 CHECK (used >= 0),
  PRIMARY KEY (workspace_id, quota, period_start)
);
CALL ragspace_protect_tenant_table('quota_counters');
GRANT SELECT ON quota_counters TO ragspace_admin;

-- ---------------------------------------------------------------------------------------------
-- Resource quotas (documents, storage, agents, API keys): gauges kept exact by triggers, whatever
-- writes the rows (API, CLI, cascades). A writer's transaction holds the workspace's gauge row
-- from its first counted write to its commit, so a check made after the write, in the same
-- transaction, sees every committed concurrent write: that is what makes "exactly L of N" hold.
-- One row per workspace, so every writer locks gauges in the same order (this row first, then
-- search_statistics: the chunk triggers below are named to fire before chunks_index_inserted and
-- chunks_unindex_deleted, which run in name order).
-- ---------------------------------------------------------------------------------------------
CREATE TABLE workspace_resource_usage (
  workspace_id uuid PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
  documents bigint NOT NULL DEFAULT 0 CHECK (documents >= 0),
  -- UTF-8 bytes of the stored chunk text (what search reads and returns).
  storage_bytes bigint NOT NULL DEFAULT 0 CHECK (storage_bytes >= 0),
  agents bigint NOT NULL DEFAULT 0 CHECK (agents >= 0),
  -- Keys that are not revoked.
  api_keys bigint NOT NULL DEFAULT 0 CHECK (api_keys >= 0)
);
CALL ragspace_protect_tenant_table('workspace_resource_usage');
-- The control plane creates workspaces (and their default agent and keys) and cascades deletions.
GRANT SELECT, INSERT, UPDATE ON workspace_resource_usage TO ragspace_admin;

INSERT INTO workspace_resource_usage (workspace_id, documents, storage_bytes, agents, api_keys)
SELECT w.id,
       (SELECT count(*) FROM documents d WHERE d.workspace_id = w.id),
       (SELECT coalesce(sum(octet_length(c.content)), 0) FROM chunks c WHERE c.workspace_id = w.id),
       (SELECT count(*) FROM agents a WHERE a.workspace_id = w.id),
       (SELECT count(*) FROM api_keys k WHERE k.workspace_id = w.id AND k.revoked_at IS NULL)
FROM workspaces w;

CREATE FUNCTION ragspace_create_resource_usage() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO workspace_resource_usage (workspace_id) VALUES (NEW.id);
  RETURN NULL;
END
$$;
CREATE TRIGGER workspaces_resource_usage AFTER INSERT ON workspaces
  FOR EACH ROW EXECUTE FUNCTION ragspace_create_resource_usage();

-- The triggers only UPDATE: a workspace being deleted has no row left to resurrect.
CREATE FUNCTION ragspace_account_inserted_documents() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE workspace_resource_usage u SET documents = u.documents + d.added
  FROM (SELECT workspace_id, count(*) AS added FROM inserted_documents GROUP BY workspace_id) d
  WHERE u.workspace_id = d.workspace_id;
  RETURN NULL;
END
$$;
CREATE FUNCTION ragspace_account_deleted_documents() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE workspace_resource_usage u SET documents = u.documents - d.removed
  FROM (SELECT workspace_id, count(*) AS removed FROM deleted_documents GROUP BY workspace_id) d
  WHERE u.workspace_id = d.workspace_id;
  RETURN NULL;
END
$$;
CREATE TRIGGER documents_account_inserted AFTER INSERT ON documents
  REFERENCING NEW TABLE AS inserted_documents
  FOR EACH STATEMENT EXECUTE FUNCTION ragspace_account_inserted_documents();
CREATE TRIGGER documents_account_deleted AFTER DELETE ON documents
  REFERENCING OLD TABLE AS deleted_documents
  FOR EACH STATEMENT EXECUTE FUNCTION ragspace_account_deleted_documents();

CREATE FUNCTION ragspace_account_inserted_chunks() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE workspace_resource_usage u SET storage_bytes = u.storage_bytes + c.bytes
  FROM (SELECT workspace_id, sum(octet_length(content)) AS bytes FROM inserted_chunks GROUP BY workspace_id) c
  WHERE u.workspace_id = c.workspace_id;
  RETURN NULL;
END
$$;
CREATE FUNCTION ragspace_account_deleted_chunks() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE workspace_resource_usage u SET storage_bytes = u.storage_bytes - c.bytes
  FROM (SELECT workspace_id, sum(octet_length(content)) AS bytes FROM deleted_chunks GROUP BY workspace_id) c
  WHERE u.workspace_id = c.workspace_id;
  RETURN NULL;
END
$$;
CREATE TRIGGER chunks_account_inserted AFTER INSERT ON chunks
  REFERENCING NEW TABLE AS inserted_chunks
  FOR EACH STATEMENT EXECUTE FUNCTION ragspace_account_inserted_chunks();
CREATE TRIGGER chunks_account_deleted AFTER DELETE ON chunks
  REFERENCING OLD TABLE AS deleted_chunks
  FOR EACH STATEMENT EXECUTE FUNCTION ragspace_account_deleted_chunks();

CREATE FUNCTION ragspace_account_agents() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE workspace_resource_usage SET agents = agents + 1 WHERE workspace_id = NEW.workspace_id;
  ELSE
    UPDATE workspace_resource_usage SET agents = agents - 1 WHERE workspace_id = OLD.workspace_id;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER agents_account AFTER INSERT OR DELETE ON agents
  FOR EACH ROW EXECUTE FUNCTION ragspace_account_agents();

CREATE FUNCTION ragspace_account_api_keys() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  before_active integer := CASE WHEN TG_OP <> 'INSERT' AND OLD.revoked_at IS NULL THEN 1 ELSE 0 END;
  after_active integer := CASE WHEN TG_OP <> 'DELETE' AND NEW.revoked_at IS NULL THEN 1 ELSE 0 END;
BEGIN
  IF after_active <> before_active THEN
    UPDATE workspace_resource_usage SET api_keys = api_keys + after_active - before_active
    WHERE workspace_id = coalesce(NEW.workspace_id, OLD.workspace_id);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER api_keys_account AFTER INSERT OR DELETE OR UPDATE OF revoked_at ON api_keys
  FOR EACH ROW EXECUTE FUNCTION ragspace_account_api_keys();

-- ---------------------------------------------------------------------------------------------
-- Chat-turn leases: one row per running turn. They bound a workspace's concurrent chat streams
-- (concurrentChatStreams) and serialise turns on a session (one live lease per session). A turn
-- renews its lease while it runs and deletes it when it ends; a killed process's lease expires.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE chat_turn_leases (
  workspace_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  session_id uuid NOT NULL,
  acquired_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, session_id),
  FOREIGN KEY (workspace_id, session_id) REFERENCES sessions (workspace_id, id) ON DELETE CASCADE
);
CALL ragspace_protect_tenant_table('chat_turn_leases');

-- ---------------------------------------------------------------------------------------------
-- Usage events: every billable event, with what it consumed and what it cost when it happened.
-- ---------------------------------------------------------------------------------------------
-- Prices per model, in US dollars per million tokens (RAGSPACE_PRICES or the admin API). Not tenant
-- data: the tenant role reads it so that an event's cost is computed by the statement that stores it.
CREATE TABLE model_prices (
  model text PRIMARY KEY CHECK (length(model) BETWEEN 1 AND 200),
  input_per_million numeric(20, 10) NOT NULL DEFAULT 0 CHECK (input_per_million >= 0),
  output_per_million numeric(20, 10) NOT NULL DEFAULT 0 CHECK (output_per_million >= 0),
  embedding_per_million numeric(20, 10) NOT NULL DEFAULT 0 CHECK (embedding_per_million >= 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT ON model_prices TO ragspace_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON model_prices TO ragspace_admin;

-- cost_microdollars was never written (always 0); cost_usd is exact decimal, so a month of tiny
-- embedding events sums to the same total as its invoice.
ALTER TABLE usage_events DROP COLUMN cost_microdollars;
ALTER TABLE usage_events
  ADD COLUMN agent_id uuid,
  ADD COLUMN model text,
  ADD COLUMN embedding_tokens bigint NOT NULL DEFAULT 0 CHECK (embedding_tokens >= 0),
  ADD COLUMN documents integer NOT NULL DEFAULT 0 CHECK (documents >= 0),
  ADD COLUMN chunks integer NOT NULL DEFAULT 0 CHECK (chunks >= 0),
  ADD COLUMN bytes bigint NOT NULL DEFAULT 0 CHECK (bytes >= 0),
  ADD COLUMN latency_ms integer CHECK (latency_ms >= 0),
  ADD COLUMN outcome text NOT NULL DEFAULT 'ok' CHECK (length(outcome) BETWEEN 1 AND 100),
  ADD COLUMN request_id text,
  ADD COLUMN cost_usd numeric(24, 12) NOT NULL DEFAULT 0 CHECK (cost_usd >= 0),
  ADD CONSTRAINT usage_events_kind CHECK (kind IN ('chat', 'search', 'ingestion', 'embedding', 'graph_extraction')),
  ADD CONSTRAINT usage_events_tokens CHECK (input_tokens >= 0 AND output_tokens >= 0 AND units >= 0);
-- Organization reports and invoices read every workspace of an organization (control plane).
GRANT SELECT ON usage_events TO ragspace_admin;
