-- Roles, control-plane tables and the tenant-isolation helpers.
-- Tenant work runs as ragspace_app (SET LOCAL ROLE inside each transaction, with the
-- transaction-local setting ragspace.workspace_id); control-plane work (organizations,
-- workspaces, key lookup) runs as ragspace_admin. Neither role can log in, own tables
-- or bypass row-level security.

CREATE EXTENSION IF NOT EXISTS vector;

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ragspace_app') THEN
    CREATE ROLE ragspace_app NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ragspace_admin') THEN
    CREATE ROLE ragspace_admin NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
  END IF;
  -- The login role that runs migrations must be able to SET ROLE to both.
  EXECUTE format('GRANT ragspace_app, ragspace_admin TO %I', current_user);
END
$$;

-- The workspace of the current transaction, or NULL when none is set.
CREATE FUNCTION ragspace_current_workspace() RETURNS uuid
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT NULLIF(current_setting('ragspace.workspace_id', true), '')::uuid $$;

GRANT EXECUTE ON FUNCTION ragspace_current_workspace() TO ragspace_app, ragspace_admin;
GRANT USAGE ON SCHEMA public TO ragspace_app, ragspace_admin;

-- Deployment-wide facts (embedder name and dimension). Control plane only.
CREATE TABLE deployment_settings (
  key text PRIMARY KEY,
  value jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT, UPDATE ON deployment_settings TO ragspace_admin;

CREATE TABLE organizations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT, UPDATE, DELETE ON organizations TO ragspace_admin;

-- The tenant root. Its id is the workspace_id of every tenant table.
CREATE TABLE workspaces (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT,
  slug text NOT NULL CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  graph_group text NOT NULL UNIQUE,
  settings jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (organization_id, slug)
);
ALTER TABLE workspaces ENABLE ROW LEVEL SECURITY;
ALTER TABLE workspaces FORCE ROW LEVEL SECURITY;
CREATE POLICY workspace_isolation ON workspaces TO ragspace_app
  USING (id = (SELECT ragspace_current_workspace()));
CREATE POLICY control_plane ON workspaces TO ragspace_admin USING (true) WITH CHECK (true);
GRANT SELECT ON workspaces TO ragspace_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON workspaces TO ragspace_admin;

-- Applies the standard tenant policy to a table that has a workspace_id column.
-- app: only the rows of the transaction's workspace; admin: the control-plane grants given per table.
CREATE PROCEDURE ragspace_protect_tenant_table(table_name regclass)
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', table_name);
  EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', table_name);
  EXECUTE format(
    'CREATE POLICY workspace_isolation ON %s TO ragspace_app
       USING (workspace_id = (SELECT ragspace_current_workspace()))
       WITH CHECK (workspace_id = (SELECT ragspace_current_workspace()))', table_name);
  EXECUTE format('CREATE POLICY control_plane ON %s TO ragspace_admin USING (true) WITH CHECK (true)', table_name);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO ragspace_app', table_name);
END
$$;

CREATE TABLE agents (
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  slug text NOT NULL CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  system_prompt text NOT NULL,
  model text,
  temperature double precision NOT NULL DEFAULT 0 CHECK (temperature BETWEEN 0 AND 2),
  enabled_tools text[] NOT NULL,
  max_tool_rounds integer NOT NULL DEFAULT 4 CHECK (max_tool_rounds BETWEEN 0 AND 20),
  is_default boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, slug)
);
CALL ragspace_protect_tenant_table('agents');
CREATE UNIQUE INDEX agents_one_default ON agents (workspace_id) WHERE is_default;
GRANT SELECT, INSERT ON agents TO ragspace_admin;

CREATE TABLE api_keys (
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  -- The public part of the key, used to find the row; never secret.
  prefix text NOT NULL UNIQUE,
  -- HMAC-SHA-256(pepper, full key). The key itself is never stored.
  secret_hash bytea NOT NULL,
  scopes text[] NOT NULL CHECK (scopes <@ ARRAY['chat', 'search', 'documents:write', 'admin']::text[] AND cardinality(scopes) > 0),
  expires_at timestamptz,
  revoked_at timestamptz,
  last_used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id)
);
CALL ragspace_protect_tenant_table('api_keys');
GRANT SELECT, INSERT, UPDATE ON api_keys TO ragspace_admin;
