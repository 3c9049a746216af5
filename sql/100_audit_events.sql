-- The audit trail of security events: keys created and revoked, failed authentication, plan,
-- status and limit changes, workspace deletion, sign-up. Append-only: no role may update or
-- delete a row. No foreign keys: the trail outlives the organizations, workspaces and keys it
-- describes (a deleted workspace's deletion is itself an event).
--
-- Control-plane data, read by organization (GET /organizations/:id/audit) through ragspace_admin.
-- A tenant transaction (ragspace_app) may append an event of its own workspace only, so a key's
-- creation and its audit row commit together; it can never read the trail.
CREATE TABLE audit_events (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- clock_timestamp, not now(): several events of one transaction keep their order.
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  organization_id uuid,
  workspace_id uuid,
  action text NOT NULL CHECK (action ~ '^[a-z][a-z_]*(\.[a-z][a-z_]*)+$'),
  outcome text NOT NULL DEFAULT 'success' CHECK (outcome IN ('success', 'failure')),
  -- Who: the kind of credential and its id (never a secret), or the operator at the CLI.
  principal_kind text NOT NULL CHECK (principal_kind IN ('platform_admin', 'organization_admin', 'workspace_key', 'operator', 'anonymous')),
  principal_id text CHECK (principal_id IS NULL OR length(principal_id) <= 200),
  client_address text CHECK (client_address IS NULL OR length(client_address) <= 100),
  request_id text CHECK (request_id IS NULL OR length(request_id) <= 200),
  target_type text CHECK (target_type IS NULL OR length(target_type) <= 100),
  target_id text CHECK (target_id IS NULL OR length(target_id) <= 200),
  details jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(details) = 'object')
);
CREATE INDEX audit_events_by_organization ON audit_events (organization_id, created_at, id);
CREATE INDEX audit_events_by_time ON audit_events (created_at, id);

ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_events FORCE ROW LEVEL SECURITY;
CREATE POLICY control_plane ON audit_events TO ragspace_admin USING (true) WITH CHECK (true);
-- Only an event of the transaction's workspace, naming that workspace's own organization.
CREATE POLICY workspace_append ON audit_events FOR INSERT TO ragspace_app
  WITH CHECK (
    workspace_id = (SELECT ragspace_current_workspace())
    AND organization_id = (SELECT w.organization_id FROM workspaces w WHERE w.id = (SELECT ragspace_current_workspace()))
  );
GRANT SELECT, INSERT ON audit_events TO ragspace_admin;
GRANT INSERT ON audit_events TO ragspace_app;
