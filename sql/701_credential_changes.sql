-- A log of credential changes that every server process polls, so an API key, once seen, is
-- authenticated from memory and a revoked key still fails within a second in every process
-- (src/tenancy/credential-cache.ts). One change per revoked, re-dated, re-scoped or deleted key
-- (workspace, organization or platform), numbered without gaps in commit order: the counter row
-- is locked until the changing transaction ends, so a poller that has seen version N has seen
-- every change up to N. Creating a key logs nothing: a prefix nobody has presented is in no cache.
CREATE TABLE credential_change_counter (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  version bigint NOT NULL
);
INSERT INTO credential_change_counter (version) VALUES (0);

CREATE TABLE credential_changes (
  version bigint PRIMARY KEY,
  prefix text NOT NULL,
  changed_at timestamptz NOT NULL DEFAULT now()
);

-- Runs as the owner, so the tenant roles that revoke keys need no privilege on the log itself.
CREATE FUNCTION ragspace_log_credential_change() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
  AS $$
DECLARE
  next_version bigint;
BEGIN
  UPDATE credential_change_counter SET version = version + 1 RETURNING version INTO next_version;
  INSERT INTO credential_changes (version, prefix) VALUES (next_version, OLD.prefix);
  -- A process that fell further behind than this flushes its whole cache.
  DELETE FROM credential_changes WHERE version <= next_version - 10000;
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION ragspace_log_credential_change() FROM PUBLIC;

CREATE TRIGGER api_keys_changed AFTER UPDATE OF revoked_at, expires_at, scopes, secret_hash OR DELETE ON api_keys
  FOR EACH ROW EXECUTE FUNCTION ragspace_log_credential_change();
CREATE TRIGGER organization_api_keys_changed AFTER UPDATE OF revoked_at, expires_at, secret_hash OR DELETE ON organization_api_keys
  FOR EACH ROW EXECUTE FUNCTION ragspace_log_credential_change();
CREATE TRIGGER platform_api_keys_changed AFTER UPDATE OF revoked_at, expires_at, secret_hash OR DELETE ON platform_api_keys
  FOR EACH ROW EXECUTE FUNCTION ragspace_log_credential_change();
