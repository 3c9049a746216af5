-- The knowledge graph of the postgres graph backend: one graph per workspace (its graph group is the
-- workspace), under the same forced row-level security as every tenant table. workspace_id leads
-- every primary key, foreign key and index, so each query reaches its rows through the workspace.
-- Episodes do not reference documents: the graph is an index maintained by the document listener,
-- identical in shape to the neo4j backend.

-- A chunk of a document as ingested: the provenance of entities and facts.
CREATE TABLE graph_episodes (
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  id uuid NOT NULL,
  document_id uuid NOT NULL,
  chunk_id uuid,
  position integer NOT NULL DEFAULT 0 CHECK (position >= 0),
  source text NOT NULL,
  title text NOT NULL,
  content text NOT NULL,
  reference_time timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id)
);
CALL ragspace_protect_tenant_table('graph_episodes');
CREATE INDEX graph_episodes_by_document ON graph_episodes (workspace_id, document_id);

-- Embeddings are declared without a dimension so any embedder works; rows carry the embedder's
-- name and similarity is only computed between vectors of the same embedder, exactly, per workspace.
CREATE TABLE graph_entities (
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  id uuid NOT NULL,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
  normalized_name text NOT NULL CHECK (length(normalized_name) BETWEEN 1 AND 300),
  entity_type text NOT NULL CHECK (entity_type IN ('person', 'organization', 'place', 'product', 'concept', 'other')),
  summary text NOT NULL DEFAULT '',
  aliases text[] NOT NULL DEFAULT '{}',
  embedder text,
  name_embedding vector,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  -- One node per name and type, even when two documents are indexed at the same time.
  UNIQUE (workspace_id, normalized_name, entity_type)
);
CALL ragspace_protect_tenant_table('graph_entities');

-- Directed facts between entities, bi-temporal: valid_at/invalid_at (in the world),
-- created_at/expired_at (in our knowledge). Contradicted facts are invalidated, never deleted.
CREATE TABLE graph_facts (
  workspace_id uuid NOT NULL,
  id uuid NOT NULL,
  source_entity_id uuid NOT NULL,
  target_entity_id uuid NOT NULL,
  relation text NOT NULL CHECK (length(relation) BETWEEN 1 AND 200),
  fact text NOT NULL CHECK (length(fact) BETWEEN 1 AND 4000),
  -- Number of lexemes of to_tsvector('english', relation || ' ' || fact): the document length of BM25
  -- (the relation is indexed with the sentence, so "leads" finds "has led" stated as relation "lead").
  term_count integer NOT NULL CHECK (term_count >= 0),
  embedder text,
  fact_embedding vector,
  valid_at timestamptz,
  invalid_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  expired_at timestamptz,
  -- The fact whose arrival invalidated this one: removing that fact restores this one.
  invalidated_by_fact_id uuid,
  PRIMARY KEY (workspace_id, id),
  FOREIGN KEY (workspace_id, source_entity_id) REFERENCES graph_entities (workspace_id, id) ON DELETE CASCADE,
  FOREIGN KEY (workspace_id, target_entity_id) REFERENCES graph_entities (workspace_id, id) ON DELETE CASCADE
);
CALL ragspace_protect_tenant_table('graph_facts');
CREATE INDEX graph_facts_by_source ON graph_facts (workspace_id, source_entity_id);
CREATE INDEX graph_facts_by_target ON graph_facts (workspace_id, target_entity_id);
CREATE INDEX graph_facts_by_invalidator ON graph_facts (workspace_id, invalidated_by_fact_id)
  WHERE invalidated_by_fact_id IS NOT NULL;

-- BM25 postings of facts (relation and sentence). Document frequencies and lengths are counted per workspace
-- at query time, so one workspace's scores never depend on another's facts.
CREATE TABLE graph_fact_terms (
  workspace_id uuid NOT NULL,
  fact_id uuid NOT NULL,
  lexeme text NOT NULL,
  term_frequency integer NOT NULL CHECK (term_frequency > 0),
  PRIMARY KEY (workspace_id, lexeme, fact_id),
  FOREIGN KEY (workspace_id, fact_id) REFERENCES graph_facts (workspace_id, id) ON DELETE CASCADE
);
CALL ragspace_protect_tenant_table('graph_fact_terms');
CREATE INDEX graph_fact_terms_by_fact ON graph_fact_terms (workspace_id, fact_id);

-- Which episodes support a fact; a fact left without support is removed.
CREATE TABLE graph_fact_episodes (
  workspace_id uuid NOT NULL,
  fact_id uuid NOT NULL,
  episode_id uuid NOT NULL,
  PRIMARY KEY (workspace_id, fact_id, episode_id),
  FOREIGN KEY (workspace_id, fact_id) REFERENCES graph_facts (workspace_id, id) ON DELETE CASCADE,
  FOREIGN KEY (workspace_id, episode_id) REFERENCES graph_episodes (workspace_id, id) ON DELETE CASCADE
);
CALL ragspace_protect_tenant_table('graph_fact_episodes');
CREATE INDEX graph_fact_episodes_by_episode ON graph_fact_episodes (workspace_id, episode_id);

-- Which episodes mention an entity; an entity left without mentions or facts is removed.
CREATE TABLE graph_entity_episodes (
  workspace_id uuid NOT NULL,
  entity_id uuid NOT NULL,
  episode_id uuid NOT NULL,
  PRIMARY KEY (workspace_id, entity_id, episode_id),
  FOREIGN KEY (workspace_id, entity_id) REFERENCES graph_entities (workspace_id, id) ON DELETE CASCADE,
  FOREIGN KEY (workspace_id, episode_id) REFERENCES graph_episodes (workspace_id, id) ON DELETE CASCADE
);
CALL ragspace_protect_tenant_table('graph_entity_episodes');
CREATE INDEX graph_entity_episodes_by_episode ON graph_entity_episodes (workspace_id, episode_id);
