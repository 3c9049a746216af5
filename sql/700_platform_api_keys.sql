-- The platform's own credential is not a tenant's object (issue 12). Platform admin keys ("rsp_…")
-- live outside every workspace and organization: only ragspace_admin may read or write them, so no
-- workspace or organization key can list or revoke one. The embedded first start issues one into
-- the data directory's bootstrap-key file; `ragspace platform-key rotate` replaces it.
CREATE TABLE platform_api_keys (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  -- The public part of the key ("rsp_…"), used to find the row; never secret.
  prefix text NOT NULL UNIQUE,
  -- HMAC-SHA-256(pepper, full key), as for every key. The key itself is never stored.
  secret_hash bytea NOT NULL,
  expires_at timestamptz,
  revoked_at timestamptz,
  last_used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT, UPDATE ON platform_api_keys TO ragspace_admin;

-- Until now the embedded bootstrap key was a key of the default workspace, flagged in
-- deployment_settings, which that workspace's admins could list and revoke. It is removed here (as
-- ragspace_app in its workspace, the only role the forced row-level security lets delete it); the
-- next `ragspace serve` issues a platform key into the same file.
DO $$
DECLARE
  bootstrap jsonb;
BEGIN
  SELECT value INTO bootstrap FROM deployment_settings WHERE key = 'bootstrap';
  IF bootstrap ? 'apiKeyId' THEN
    SET LOCAL ROLE ragspace_app;
    PERFORM set_config('ragspace.workspace_id', bootstrap->>'workspaceId', true);
    DELETE FROM api_keys WHERE workspace_id = (bootstrap->>'workspaceId')::uuid AND id = (bootstrap->>'apiKeyId')::uuid;
    PERFORM set_config('ragspace.workspace_id', '', true);
    RESET ROLE;
    UPDATE deployment_settings SET value = value - 'apiKeyId', updated_at = now() WHERE key = 'bootstrap';
  END IF;
END
$$;
