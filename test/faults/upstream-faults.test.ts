// Services outside the database failing, on both tiers:
//  - the LLM answering 500, or nothing at all: a clear 502/504 in the error shape, the session
//    keeps the question and a failed answer, and the next turn works (nothing to restart);
//  - the graph backend (Neo4j) unreachable: graph search answers 503 graph_unavailable, uploads
//    are stored and say the graph failed, and chat still answers from document search and says so.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { createNeo4jGraphStore, openNeo4jDriver } from '../../src/graph/neo4j/neo4j-graph-store.ts';
import { bearer, createTestApi, createWorkspaceWithKey, type TestApi, type TestWorkspace } from '../api/helpers.ts';
import { createTestDatabase } from '../helpers/database.ts';
import { startOpenAITestServer, type OpenAITestServer } from '../helpers/openai-test-server.ts';

/** A local port nothing listens on (connections are refused at once). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function chat(api: TestApi, workspace: TestWorkspace, body: Record<string, unknown>) {
  return api.app.inject({ method: 'POST', url: `/workspaces/${workspace.context.workspaceId}/chat`, headers: bearer(workspace.adminSecret), payload: body });
}

async function sessionMessages(api: TestApi, workspace: TestWorkspace, sessionId: string) {
  const response = await api.app.inject({
    method: 'GET',
    url: `/workspaces/${workspace.context.workspaceId}/sessions/${sessionId}`,
    headers: bearer(workspace.adminSecret),
  });
  return (response.json().messages as Array<{ role: string; status: string }>).map((message) => `${message.role}:${message.status}`);
}

async function latestSessionId(api: TestApi, workspace: TestWorkspace): Promise<string> {
  const response = await api.app.inject({ method: 'GET', url: `/workspaces/${workspace.context.workspaceId}/sessions`, headers: bearer(workspace.adminSecret) });
  const items = response.json().items as Array<{ id: string; updated_at: string }>;
  return [...items].sort((left, right) => right.updated_at.localeCompare(left.updated_at))[0]!.id;
}

const refundPolicy = { source: 'refunds.md', content: '# Refunds\n\nAcme refunds Rocket Skates within 30 days of delivery.' };

describe('upstream services failing', () => {
  let database: Database;
  let model: OpenAITestServer;

  beforeAll(async () => {
    database = await createTestDatabase();
    model = await startOpenAITestServer();
  });
  afterAll(async () => {
    await model.close();
    await database.close();
  });

  describe('the language model', () => {
    let api: TestApi;
    let workspace: TestWorkspace;

    beforeAll(async () => {
      api = await createTestApi({
        database,
        // Long enough for the client's retry back-off (silence too) to fit in it.
        environment: { OPENAI_BASE_URL: model.baseUrl, CHAT_MODEL: 'test-model', CHAT_MAX_RETRIES: '1', CHAT_TIMEOUT_MS: '5000' },
      });
      workspace = await createWorkspaceWithKey(database);
      const stored = await api.app.inject({
        method: 'POST',
        url: `/workspaces/${workspace.context.workspaceId}/documents`,
        headers: bearer(workspace.adminSecret),
        // The graph extraction would ask the model too; these tests are about chat.
        payload: { ...refundPolicy, graph: false },
      });
      expect(stored.statusCode).toBe(201);
    });
    afterAll(() => api.app.close());

    it('answers 502 upstream_error when the model answers 500 (after its retry), keeps the session, and works on the next turn', async () => {
      const before = model.requests.length;
      model.script({ status: 500, message: 'internal failure' }, { status: 500, message: 'internal failure' });
      const failed = await chat(api, workspace, { message: 'How long do refunds take?' });
      expect(failed.statusCode).toBe(502);
      expect(failed.json().error).toMatchObject({ code: 'upstream_error', message: expect.stringContaining('500') });
      // CHAT_MAX_RETRIES=1: the request was sent twice.
      expect(model.requests.length - before).toBe(2);
      const sessionId = await latestSessionId(api, workspace);
      expect(await sessionMessages(api, workspace, sessionId)).toEqual(['user:complete', 'assistant:failed']);

      model.script({ content: 'Refunds take 30 days.' });
      const recovered = await chat(api, workspace, { message: 'How long do refunds take?', session_id: sessionId });
      expect(recovered.statusCode).toBe(200);
      expect(recovered.json().message).toBe('Refunds take 30 days.');
      expect(await sessionMessages(api, workspace, sessionId)).toEqual(['user:complete', 'assistant:failed', 'user:complete', 'assistant:complete']);
    });

    it('answers 504 upstream_timeout when the model stops answering, and works on the next turn', async () => {
      // A turn cut off by its own timeout is not retried.
      model.script({ hangAfter: [] });
      const timedOut = await chat(api, workspace, { message: 'Are refunds paid to the card?' });
      expect(timedOut.statusCode).toBe(504);
      expect(timedOut.json().error).toMatchObject({ code: 'upstream_timeout', message: expect.any(String) });
      const sessionId = await latestSessionId(api, workspace);
      expect(await sessionMessages(api, workspace, sessionId)).toEqual(['user:complete', 'assistant:failed']);

      model.script({ content: 'Yes, to the original card.' });
      const recovered = await chat(api, workspace, { message: 'Are refunds paid to the card?' });
      expect(recovered.statusCode).toBe(200);
    });
  });

  describe('the graph backend', () => {
    let offline: TestApi;
    let withModel: TestApi;
    let workspace: TestWorkspace;

    beforeAll(async () => {
      // A Neo4j store whose server is down: every call is refused (it was up when the process started).
      const unreachable = () =>
        createNeo4jGraphStore({ driver: openNeo4jDriver({ uri: `bolt://127.0.0.1:${port}`, username: 'neo4j', password: 'x' }), database: 'neo4j' });
      const port = await closedPort();
      offline = await createTestApi({ database, graphStore: unreachable() });
      withModel = await createTestApi({ database, graphStore: unreachable(), environment: { OPENAI_BASE_URL: model.baseUrl, CHAT_MODEL: 'test-model', CHAT_MAX_RETRIES: '0' } });
      workspace = await createWorkspaceWithKey(database);
    });
    afterAll(async () => {
      for (const api of [offline, withModel]) {
        await api.app.close();
        await api.runtime.graphStore.close();
      }
    });

    it('stores an upload whole and says the graph failed; graph search answers 503 graph_unavailable', async () => {
      const stored = await offline.app.inject({
        method: 'POST',
        url: `/workspaces/${workspace.context.workspaceId}/documents`,
        headers: bearer(workspace.adminSecret),
        payload: refundPolicy,
      });
      expect(stored.statusCode).toBe(502);
      expect(stored.json().error).toMatchObject({ code: 'upstream_error', message: expect.stringContaining('was stored') });
      const text = await offline.app.inject({
        method: 'POST',
        url: `/workspaces/${workspace.context.workspaceId}/search`,
        headers: bearer(workspace.adminSecret),
        payload: { query: 'refunds', mode: 'text' },
      });
      expect(text.json().hits.map((hit: { source: string }) => hit.source)).toEqual(['refunds.md']);
      const graph = await offline.app.inject({
        method: 'POST',
        url: `/workspaces/${workspace.context.workspaceId}/search`,
        headers: bearer(workspace.adminSecret),
        payload: { query: 'refunds', mode: 'graph' },
      });
      expect(graph.statusCode).toBe(503);
      expect(graph.json().error).toMatchObject({ code: 'graph_unavailable', message: expect.stringContaining('Neo4j') });
    });

    it('answers chat offline from document search, and says the graph could not be reached', async () => {
      const response = await chat(offline, workspace, { message: 'How long do refunds take?' });
      expect(response.statusCode).toBe(200);
      const body = response.json();
      expect(body.message).toContain('30 days');
      expect(body.message).toContain('knowledge graph could not be reached');
      expect(body.citations.map((citation: { source: string }) => citation.source)).toEqual(['refunds.md']);
      expect(body.tool_calls.map((call: { name: string; summary: string }) => [call.name, call.summary])).toContainEqual(['graph_search', 'knowledge graph unavailable']);
    });

    it('tells the language model the graph is unavailable, so its answer can say so', async () => {
      model.script(
        { toolCalls: [{ name: 'graph_search', arguments: { query: 'refunds' } }] },
        { content: 'The knowledge graph is unavailable, but the documents say refunds take 30 days.' },
      );
      const before = model.requests.length;
      const response = await chat(withModel, workspace, { message: 'What does the graph say about refunds?' });
      expect(response.statusCode).toBe(200);
      const followUp = model.requests[before + 1]!.body.messages.find((message) => message.role === 'tool');
      expect(String(followUp?.content)).toContain('knowledge graph is unavailable');
      expect(response.json().message).toContain('refunds take 30 days');
    });
  });
});
