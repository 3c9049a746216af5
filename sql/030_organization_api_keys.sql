-- Organization admin keys: a credential that administers every workspace of one organization
-- (create, read, update and delete workspaces, agents, keys and content). Created by the platform
-- admin. Control-plane data like organizations: only ragspace_admin may read or write it, never
-- ragspace_app, so a tenant transaction cannot see or forge one.
CREATE TABLE organization_api_keys (
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  -- The public part of the key ("rso_…"), used to find the row; never secret.
  prefix text NOT NULL UNIQUE,
  -- HMAC-SHA-256(pepper, full key), as for workspace keys. The key itself is never stored.
  secret_hash bytea NOT NULL,
  expires_at timestamptz,
  revoked_at timestamptz,
  last_used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id)
);
GRANT SELECT, INSERT, UPDATE ON organization_api_keys TO ragspace_admin;
