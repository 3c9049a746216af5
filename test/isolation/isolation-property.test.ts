// The isolation suite (property-based, fast-check): random organizations, workspaces, documents
// that share vocabulary and entity names, keys of every kind and scope, and sessions; random
// sequences of operations through the HTTP API, the agent tools, the SQL functions and the graph
// store. After every step nothing of another workspace is visible anywhere, a workspace's search
// results and scores are unchanged by writes elsewhere, and the application role without a
// workspace setting sees no tenant row. RAGSPACE_ISOLATION_OPERATIONS sets how many operations
// run per tier (default 45); the count that ran is printed. RAGSPACE_ISOLATION_SEED replays the
// run a failure printed (fast-check's `seed`).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CitationRegistry } from '../../src/agent/citations.ts';
import { agentToolConfig } from '../../src/agent/tool-context.ts';
import { createAgentTools } from '../../src/agent/tools/index.ts';
import type { ToolArtifact } from '../../src/agent/tool-summary.ts';
import { withWorkspace } from '../../src/db/workspace-scope.ts';
import { graphSearch } from '../../src/graph/graph-search.ts';
import { toVectorLiteral } from '../../src/ingestion/embedders/embedder.ts';
import { search } from '../../src/search/search.ts';
import { agentToolNames } from '../../src/tenancy/agents.ts';
import { createOrganization } from '../../src/tenancy/organizations.ts';
import { apiKeyScopes, createWorkspaceContext, type ApiKeyScope, type WorkspaceContext } from '../../src/tenancy/workspace-context.ts';
import { createWorkspace } from '../../src/tenancy/workspaces.ts';
import { createApiKey } from '../../src/tenancy/api-keys.ts';
import { adminKey, bearer, createOrganizationKey, createTestApi, keyPepper, type TestApi } from '../api/helpers.ts';
import { tenantTables } from '../helpers/tenant-state.ts';

const operationCount = Number(process.env.RAGSPACE_ISOLATION_OPERATIONS ?? 45);
const seed = process.env.RAGSPACE_ISOLATION_SEED === undefined ? undefined : Number(process.env.RAGSPACE_ISOLATION_SEED);
const stepsPerRun = 15;

const topics = ['refunds', 'vacation', 'security', 'onboarding'] as const;
const entities = ['Maria Chen', 'Northwind Robotics', 'Globex Logistics', 'Tomas Berg'] as const;
const probeQuery = 'refunds policy Maria Chen Northwind Robotics';

interface Tenant {
  context: WorkspaceContext;
  organization: number;
  /** A per-workspace word in every document it holds: another workspace's result would show it. */
  marker: string;
  keys: Record<ApiKeyScope, string>;
  documents: Map<string, string>;
  sessions: Set<string>;
  jobs: Set<string>;
  /** Search results and scores as last seen, refreshed only when this workspace is written. */
  probe?: string;
}

const workspaceIndex = fc.nat({ max: 2 });
const operation = fc.oneof(
  fc.record({ kind: fc.constant('ingest' as const), workspace: workspaceIndex, topic: fc.nat({ max: 3 }), entity: fc.nat({ max: 3 }), variant: fc.nat({ max: 2 }), background: fc.boolean() }),
  fc.record({ kind: fc.constant('delete' as const), workspace: workspaceIndex, pick: fc.nat() }),
  fc.record({ kind: fc.constant('search' as const), workspace: workspaceIndex, mode: fc.constantFrom('text', 'vector', 'hybrid', 'graph'), topic: fc.nat({ max: 3 }) }),
  fc.record({ kind: fc.constant('chat' as const), workspace: workspaceIndex, topic: fc.nat({ max: 3 }), session: fc.constantFrom('new', 'own', 'foreign') }),
  fc.record({ kind: fc.constant('tool' as const), workspace: workspaceIndex, tool: fc.constantFrom(...agentToolNames), foreign: fc.boolean(), topic: fc.nat({ max: 3 }) }),
  fc.record({ kind: fc.constant('sql' as const), workspace: workspaceIndex, target: workspaceIndex, topic: fc.nat({ max: 3 }) }),
  fc.record({ kind: fc.constant('graph' as const), workspace: workspaceIndex, entity: fc.nat({ max: 3 }) }),
  fc.record({ kind: fc.constant('cross' as const), workspace: workspaceIndex, target: workspaceIndex, route: fc.nat({ max: 5 }) }),
  fc.record({ kind: fc.constant('key' as const), workspace: workspaceIndex, scopes: fc.subarray([...apiKeyScopes], { minLength: 1 }), revoke: fc.boolean() }),
);
type Operation = typeof operation extends fc.Arbitrary<infer T> ? T : never;

describe('isolation between workspaces, under random operations', () => {
  let api: TestApi;
  let operationsRun = 0;
  let runs = 0;

  beforeAll(async () => {
    api = await createTestApi();
  });
  afterAll(async () => {
    console.info(`isolation suite: ${operationsRun} random operations in ${runs} runs`);
    await api.close();
  });

  async function createTenants(run: number): Promise<Tenant[]> {
    // A plan without key, document or request quotas: random sequences create many; the quota suites test limits.
    const organizations = await Promise.all([0, 1].map((index) => createOrganization(api.database, { name: `Isolation ${run}-${index}`, planId: 'enterprise' })));
    const tenants: Tenant[] = [];
    for (const [index, organization] of [0, 0, 1].entries()) {
      const workspace = await createWorkspace(api.database, { organization: organizations[organization]!.id, name: `Run ${run} workspace ${index}` });
      const context = createWorkspaceContext({ organizationId: workspace.organizationId, workspaceId: workspace.id });
      const keys = {} as Record<ApiKeyScope, string>;
      for (const scope of apiKeyScopes) keys[scope] = (await createApiKey(api.database, keyPepper, context, { scopes: [scope] })).secret;
      tenants.push({ context, organization, marker: `mark${workspace.id.slice(0, 8)}`, keys, documents: new Map(), sessions: new Set(), jobs: new Set() });
    }
    return tenants;
  }

  const call = (method: 'GET' | 'POST' | 'DELETE', url: string, key: string, payload?: object) =>
    api.app.inject({ method, url, headers: bearer(key), ...(payload ? { payload } : {}) });

  function documentText(tenant: Tenant, topic: number, entity: number, variant: number): string {
    const [first, second] = [entities[entity]!, entities[(entity + 1) % entities.length]!];
    return [
      `# ${topics[topic]} guide ${variant}`,
      '',
      `${first} leads ${second}. The ${topics[topic]} policy of ${second} says requests take ${3 + variant} days.`,
      '',
      `Every page of this workspace carries the word ${tenant.marker}.`,
    ].join('\n');
  }

  /** What a workspace's own search returns for the probe query, every mode, with scores. */
  async function probe(tenant: Tenant): Promise<string> {
    const dependencies = { database: api.database, embedder: api.runtime.embedder };
    const modes = await Promise.all(
      (['text', 'vector', 'hybrid'] as const).map((mode) => search(dependencies, tenant.context, mode, { query: probeQuery, limit: 10 })),
    );
    const graph = await graphSearch({ store: api.runtime.graphStore, embedder: api.runtime.embedder }, tenant.context, { query: probeQuery, limit: 10 });
    return JSON.stringify({ modes: modes.map((hits) => hits.map((hit) => [hit.chunkId, hit.score])), graph: graph.facts.map((fact) => [fact.id, fact.score]) });
  }

  /** Text from a result must come from this workspace: its documents, its marker, no other marker. */
  function expectOwn(tenant: Tenant, tenants: Tenant[], documentIds: Iterable<string>, texts: Iterable<string>, where: string) {
    const own = new Set(tenant.documents.values());
    for (const id of documentIds) expect(own.has(id), `${where}: document ${id} is not this workspace's`).toBe(true);
    for (const text of texts) {
      for (const other of tenants) if (other !== tenant) expect(text, where).not.toContain(other.marker);
    }
  }

  async function apply(step: Operation, tenants: Tenant[]): Promise<Tenant | undefined> {
    const tenant = tenants[step.workspace]!;
    const base = `/workspaces/${tenant.context.workspaceId}`;
    switch (step.kind) {
      case 'ingest': {
        const source = `${topics[step.topic]}-${step.variant}.md`;
        const content = documentText(tenant, step.topic, step.entity, step.variant);
        const response = await call('POST', `${base}/documents${step.background ? '?async=true' : ''}`, tenant.keys['documents:write'], { source, content });
        if (step.background) {
          expect(response.statusCode).toBe(202);
          const jobId = response.json().job.id as string;
          tenant.jobs.add(jobId);
          for (;;) {
            const job = (await call('GET', `${base}/documents/jobs/${jobId}`, tenant.keys['documents:write'])).json();
            if (job.status === 'succeeded') {
              tenant.documents.set(source, job.result.documentId);
              break;
            }
            expect(['queued', 'running']).toContain(job.status);
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        } else {
          expect([200, 201]).toContain(response.statusCode);
          tenant.documents.set(source, response.json().document.id);
        }
        return tenant;
      }
      case 'delete': {
        const entries = [...tenant.documents.entries()];
        if (entries.length === 0) return undefined;
        const [source, id] = entries[step.pick % entries.length]!;
        expect((await call('DELETE', `${base}/documents/${id}`, tenant.keys['documents:write'])).statusCode).toBe(204);
        tenant.documents.delete(source);
        return tenant;
      }
      case 'search': {
        const response = await call('POST', `${base}/search`, tenant.keys.search, { query: `${topics[step.topic]} ${entities[step.topic]}`, mode: step.mode, limit: 20 });
        expect(response.statusCode).toBe(200);
        const body = response.json();
        if (step.mode === 'graph') {
          expectOwn(tenant, tenants, body.facts.flatMap((fact: { documentIds: string[] }) => fact.documentIds), [], 'graph search');
        } else {
          const hits = body.hits as Array<{ documentId: string; content: string }>;
          expectOwn(tenant, tenants, hits.map((hit) => hit.documentId), hits.map((hit) => hit.content), `${step.mode} search`);
        }
        return undefined;
      }
      case 'chat': {
        const other = tenants[(step.workspace + 1) % tenants.length]!;
        const sessionId = step.session === 'own' ? [...tenant.sessions][0] : step.session === 'foreign' ? [...other.sessions][0] : undefined;
        const response = await call('POST', `${base}/chat`, tenant.keys.chat, {
          message: `What does the ${topics[step.topic]} policy say?`,
          ...(sessionId ? { session_id: sessionId } : {}),
        });
        if (step.session === 'foreign' && sessionId) {
          expect(response.statusCode).toBe(404);
          return undefined;
        }
        expect(response.statusCode).toBe(200);
        const turn = response.json();
        tenant.sessions.add(turn.session_id);
        expectOwn(tenant, tenants, turn.citations.map((citation: { document_id: string }) => citation.document_id), [turn.message], 'chat');
        return undefined;
      }
      case 'tool': {
        const other = tenants[(step.workspace + 1) % tenants.length]!;
        const foreignIds = [...other.documents.values()];
        const ownIds = [...tenant.documents.values()];
        // Naming another workspace's documents is only an attack when it has some; with none, no ids are passed.
        const namesForeignDocuments = step.foreign && foreignIds.length > 0;
        const documentIds = step.foreign ? foreignIds : ownIds;
        const tool = createAgentTools({ database: api.database, embedder: api.runtime.embedder, graphStore: api.runtime.graphStore }, [step.tool])[0]!;
        const args: Record<string, unknown> = {
          query: `${topics[step.topic]} ${entities[step.topic]}`,
          entity_name: entities[step.topic],
          document_id: documentIds[0] ?? '00000000-0000-4000-8000-000000000000',
          // Keys a model might invent to reach another workspace: ignored.
          workspace_id: other.context.workspaceId,
          workspaceId: other.context.workspaceId,
          ...(documentIds.length > 0 && (step.tool === 'hybrid_search' || step.tool === 'vector_search') ? { document_ids: documentIds } : {}),
        };
        const config = agentToolConfig(tenant.context, new CitationRegistry());
        const message = await tool.invoke({ id: 'call_1', name: tool.name, args, type: 'tool_call' }, config).catch((error: Error) => error);
        if (message instanceof Error) {
          // Only reading another workspace's document by id may fail, and only as "not found".
          expect(step.tool === 'get_document' && (step.foreign || ownIds.length === 0), message.message).toBe(true);
          expect(message.message).toMatch(/not found/);
          return undefined;
        }
        const { content, artifact } = message as { content: string; artifact?: ToolArtifact };
        const chunks = artifact?.chunks ?? [];
        if (namesForeignDocuments && (step.tool === 'hybrid_search' || step.tool === 'vector_search')) expect(chunks).toEqual([]);
        expectOwn(tenant, tenants, chunks.map((chunk) => chunk.documentId), [String(content)], step.tool);
        return undefined;
      }
      case 'sql': {
        const target = tenants[step.target]!;
        const query = `${topics[step.topic]} ${entities[step.topic]}`;
        const embedding = toVectorLiteral(await api.runtime.embedder.embedQuery(query));
        const documentId = [...target.documents.values()][0] ?? '00000000-0000-4000-8000-000000000000';
        const rows = await withWorkspace(api.database, tenant.context, async (transaction) => [
          ...(await transaction.query<{ document_id: string; content: string }>('SELECT * FROM bm25_search($1, $2, 50)', [target.context.workspaceId, query])).rows,
          ...(await transaction.query<{ document_id: string; content: string }>('SELECT * FROM match_chunks($1, $2::vector, 50)', [target.context.workspaceId, embedding])).rows,
          ...(await transaction.query<{ document_id: string; content: string }>('SELECT * FROM hybrid_search($1, $2, $3::vector, 50)', [target.context.workspaceId, query, embedding])).rows,
          ...(await transaction.query<{ document_id: string; content: string }>('SELECT *, $2::uuid AS document_id FROM get_document_chunks($1, $2)', [target.context.workspaceId, documentId])).rows,
        ]);
        // A workspace's transaction naming another workspace sees nothing of it.
        if (target !== tenant) expect(rows).toEqual([]);
        else expectOwn(tenant, tenants, rows.map((row) => row.document_id), rows.map((row) => row.content), 'sql');
        return undefined;
      }
      case 'graph': {
        const name = entities[step.entity]!.toLowerCase();
        const found = await Promise.all(tenants.map((each) => api.runtime.graphStore.findEntitiesByName(each.context, name)));
        const ids = found.map((entitiesOfTenant) => new Set(entitiesOfTenant.map((entity) => entity.id)));
        for (const [index, own] of ids.entries()) {
          for (const [otherIndex, other] of ids.entries()) if (index !== otherIndex) for (const id of own) expect(other.has(id)).toBe(false);
        }
        const traversal = await api.runtime.graphStore.traverse(tenant.context, [...ids[step.workspace]!], 2, 50);
        for (const entity of traversal.entities) for (const [otherIndex, other] of ids.entries()) if (otherIndex !== step.workspace) expect(other.has(entity.id)).toBe(false);
        return undefined;
      }
      case 'cross': {
        const target = tenants[step.target]!;
        if (target === tenant) return undefined;
        const targetBase = `/workspaces/${target.context.workspaceId}`;
        const document = [...target.documents.values()][0] ?? '00000000-0000-4000-8000-000000000000';
        const session = [...target.sessions][0] ?? '00000000-0000-4000-8000-000000000000';
        const job = [...target.jobs][0] ?? '00000000-0000-4000-8000-000000000000';
        const attempts: Array<[string, 'GET' | 'POST' | 'DELETE', object?]> = [
          [`${targetBase}/documents`, 'GET'],
          [`${targetBase}/documents/${document}`, 'GET'],
          [`${targetBase}/search`, 'POST', { query: 'refunds' }],
          [`${targetBase}/sessions/${session}`, 'GET'],
          [`${targetBase}/documents/jobs/${job}`, 'GET'],
          [`${targetBase}/api-keys`, 'GET'],
        ];
        const [url, method, payload] = attempts[step.route % attempts.length]!;
        expect((await call(method, url, tenant.keys.admin, payload)).statusCode).toBe(403);
        // The same ids on the caller's own path are simply not there.
        expect((await call('GET', `${base}/documents/${document}`, tenant.keys.admin)).statusCode).toBe(404);
        expect((await call('GET', `${base}/sessions/${session}`, tenant.keys.admin)).statusCode).toBe(404);
        expect((await call('GET', `${base}/documents/jobs/${job}`, tenant.keys.admin)).statusCode).toBe(404);
        if (target.organization !== tenant.organization) {
          const organizationKey = await createOrganizationKey(api.database, tenant.context.organizationId);
          expect((await call('GET', `${targetBase}/documents`, organizationKey)).statusCode).toBe(403);
        }
        return undefined;
      }
      case 'key': {
        const created = await call('POST', `${base}/api-keys`, tenant.keys.admin, { scopes: step.scopes });
        expect(created.statusCode).toBe(201);
        const { secret, apiKey } = created.json();
        const canSearch = step.scopes.includes('search') || step.scopes.includes('admin');
        expect((await call('POST', `${base}/search`, secret, { query: 'refunds' })).statusCode).toBe(canSearch ? 200 : 403);
        const other = tenants[(step.workspace + 1) % tenants.length]!;
        expect((await call('POST', `/workspaces/${other.context.workspaceId}/search`, secret, { query: 'refunds' })).statusCode).toBe(403);
        if (step.revoke) {
          expect((await call('DELETE', `${base}/api-keys/${apiKey.id}`, tenant.keys.admin)).statusCode).toBe(200);
          expect((await call('POST', `${base}/search`, secret, { query: 'refunds' })).statusCode).toBe(401);
        }
        return undefined;
      }
    }
  }

  /** Nothing of another workspace is visible anywhere, and the app role without a setting sees nothing. */
  async function checkInvariants(tenants: Tenant[], written: Tenant | undefined) {
    const tables = await tenantTables(api.database);
    for (const tenant of tenants) {
      const base = `/workspaces/${tenant.context.workspaceId}`;
      const documents = (await call('GET', `${base}/documents?limit=100`, tenant.keys.admin)).json();
      expect(new Set(documents.items.map((item: { id: string }) => item.id))).toEqual(new Set(tenant.documents.values()));
      const sessions = (await call('GET', `${base}/sessions?limit=100`, tenant.keys.admin)).json();
      expect(new Set(sessions.items.map((item: { id: string }) => item.id))).toEqual(tenant.sessions);
      const foreignRows = await withWorkspace(api.database, tenant.context, async (transaction) => {
        const counts = tables.map((table) => `(SELECT count(*) FROM ${table} WHERE workspace_id <> $1)`);
        const { rows } = await transaction.query<{ foreign: string }>(`SELECT ${counts.join(' + ')} AS foreign`, [tenant.context.workspaceId]);
        return Number(rows[0]!.foreign);
      });
      expect(foreignRows).toBe(0);
      const now = await probe(tenant);
      if (tenant === written || tenant.probe === undefined) tenant.probe = now;
      else expect(now, 'search results or scores moved after a write to another workspace').toBe(tenant.probe);
    }
    const unscoped = await api.database.transaction(async (transaction) => {
      await transaction.query('SET LOCAL ROLE ragspace_app');
      const { rows } = await transaction.query<{ visible: string }>(`SELECT ${tables.map((table) => `(SELECT count(*) FROM ${table})`).join(' + ')} AS visible`);
      return Number(rows[0]!.visible);
    });
    expect(unscoped).toBe(0);
  }

  it('keeps every workspace to itself whatever the sequence of operations', async () => {
    const numRuns = Math.max(1, Math.ceil(operationCount / stepsPerRun));
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: stepsPerRun, maxLength: stepsPerRun }), async (steps) => {
        runs += 1;
        const tenants = await createTenants(runs);
        for (const tenant of tenants) tenant.probe = await probe(tenant);
        for (const step of steps) {
          const written = await apply(step, tenants);
          operationsRun += 1;
          await checkInvariants(tenants, written);
        }
      }),
      { numRuns, endOnFailure: true, ...(seed === undefined ? {} : { seed }) },
    );
    expect(operationsRun).toBeGreaterThanOrEqual(numRuns * stepsPerRun);
  }, 3_600_000);

  it('keeps the platform admin key out of no workspace and every workspace key out of the others', async () => {
    const tenants = await createTenants(0);
    for (const tenant of tenants) {
      expect((await call('GET', `/workspaces/${tenant.context.workspaceId}/documents`, adminKey)).statusCode).toBe(200);
      for (const other of tenants) {
        if (other === tenant) continue;
        for (const scope of apiKeyScopes) {
          expect((await call('GET', `/workspaces/${other.context.workspaceId}`, tenant.keys[scope])).statusCode).toBe(403);
        }
      }
    }
  });
});
