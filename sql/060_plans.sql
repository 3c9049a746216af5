-- Plans, tenant status and limit overrides (control plane). A plan's limits are a JSON object
-- validated by src/tenancy/plans.ts (planLimitsSchema); a missing or null limit means unlimited.
-- An organization has one plan; a workspace may override any of its limits. Suspension keeps
-- every row: a suspended organization or workspace is refused at the API, not deleted.
CREATE TABLE plans (
  id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  limits jsonb NOT NULL CHECK (jsonb_typeof(limits) = 'object'),
  -- The plan new organizations get unless one is named (exactly one plan is the default).
  is_default boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX plans_one_default ON plans (is_default) WHERE is_default;
GRANT SELECT, INSERT, UPDATE, DELETE ON plans TO ragspace_admin;

INSERT INTO plans (id, name, is_default, limits) VALUES
  ('free', 'Free', true, '{
     "requestsPerMinute": 60, "requestsPerMonth": 10000, "chatMessagesPerDay": 100, "llmTokensPerMonth": 200000,
     "storageBytes": 104857600, "documents": 100, "agents": 2, "apiKeys": 5,
     "concurrentIngestionJobs": 1, "concurrentChatStreams": 2}'),
  ('starter', 'Starter', false, '{
     "requestsPerMinute": 300, "requestsPerMonth": 100000, "chatMessagesPerDay": 1000, "llmTokensPerMonth": 2000000,
     "storageBytes": 1073741824, "documents": 1000, "agents": 5, "apiKeys": 20,
     "concurrentIngestionJobs": 2, "concurrentChatStreams": 5}'),
  ('pro', 'Pro', false, '{
     "requestsPerMinute": 1200, "requestsPerMonth": 1000000, "chatMessagesPerDay": 10000, "llmTokensPerMonth": 20000000,
     "storageBytes": 10737418240, "documents": 10000, "agents": 20, "apiKeys": 100,
     "concurrentIngestionJobs": 4, "concurrentChatStreams": 20}'),
  ('enterprise', 'Enterprise', false, '{
     "requestsPerMinute": 6000, "requestsPerMonth": null, "chatMessagesPerDay": null, "llmTokensPerMonth": null,
     "storageBytes": null, "documents": null, "agents": null, "apiKeys": null,
     "concurrentIngestionJobs": 8, "concurrentChatStreams": 100}');

ALTER TABLE organizations ADD COLUMN plan_id text REFERENCES plans (id) ON DELETE RESTRICT;
-- Organizations that existed before plans keep working as they did: no limits they did not have.
UPDATE organizations SET plan_id = 'enterprise';
ALTER TABLE organizations ALTER COLUMN plan_id SET NOT NULL;
ALTER TABLE organizations ADD COLUMN contact_email text CHECK (contact_email IS NULL OR length(contact_email) BETWEEN 3 AND 320);
ALTER TABLE organizations ADD COLUMN status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended'));
ALTER TABLE organizations ADD COLUMN status_changed_at timestamptz;

ALTER TABLE workspaces ADD COLUMN status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended'));
ALTER TABLE workspaces ADD COLUMN status_changed_at timestamptz;
ALTER TABLE workspaces ADD COLUMN limit_overrides jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(limit_overrides) = 'object');
