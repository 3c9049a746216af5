-- Documents, chunks, chat sessions and messages: all tenant data, all under forced RLS.

CREATE TABLE documents (
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  -- Where the document came from (relative path, URL, BEIR _id); unique within the workspace.
  source text NOT NULL CHECK (length(source) BETWEEN 1 AND 2000),
  title text NOT NULL,
  content_type text NOT NULL,
  content_hash text NOT NULL,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  token_count integer NOT NULL DEFAULT 0,
  chunk_count integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, source)
);
CALL ragspace_protect_tenant_table('documents');

-- embedding is declared without a dimension here; the first start fixes it to the
-- deployment's embedder dimension (ALTER ... TYPE vector(D)) and records it in deployment_settings.
CREATE TABLE chunks (
  workspace_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  document_id uuid NOT NULL,
  position integer NOT NULL CHECK (position >= 0),
  content text NOT NULL,
  heading_path text[] NOT NULL DEFAULT '{}',
  token_count integer NOT NULL,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  embedding vector,
  search_vector tsvector GENERATED ALWAYS AS (to_tsvector('english', content)) STORED,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, document_id, position),
  FOREIGN KEY (workspace_id, document_id) REFERENCES documents (workspace_id, id) ON DELETE CASCADE
);
CALL ragspace_protect_tenant_table('chunks');

CREATE TABLE sessions (
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  agent_id uuid,
  customer_id text,
  title text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  FOREIGN KEY (workspace_id, agent_id) REFERENCES agents (workspace_id, id) ON DELETE SET NULL (agent_id)
);
CALL ragspace_protect_tenant_table('sessions');
CREATE INDEX sessions_recent ON sessions (workspace_id, updated_at DESC);

CREATE TABLE messages (
  workspace_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  session_id uuid NOT NULL,
  -- Order within the session; assigned by the writer under the session's row lock.
  sequence integer NOT NULL,
  role text NOT NULL CHECK (role IN ('user', 'assistant', 'tool', 'system')),
  content text NOT NULL,
  tool_calls jsonb NOT NULL DEFAULT '[]'::jsonb,
  citations jsonb NOT NULL DEFAULT '[]'::jsonb,
  usage jsonb,
  model text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, session_id, sequence),
  FOREIGN KEY (workspace_id, session_id) REFERENCES sessions (workspace_id, id) ON DELETE CASCADE
);
CALL ragspace_protect_tenant_table('messages');

-- One row per billable event (chat turn, search, ingestion), per workspace and end customer.
CREATE TABLE usage_events (
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  api_key_id uuid,
  customer_id text,
  kind text NOT NULL,
  input_tokens integer NOT NULL DEFAULT 0,
  output_tokens integer NOT NULL DEFAULT 0,
  units integer NOT NULL DEFAULT 1,
  cost_microdollars bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id)
);
CALL ragspace_protect_tenant_table('usage_events');
CREATE INDEX usage_events_by_time ON usage_events (workspace_id, created_at);
