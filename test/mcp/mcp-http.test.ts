// POST /workspaces/:id/mcp through the MCP SDK's own client over a real listening server: the
// workspace's retrieval tools and documents, scopes, and a key of another workspace that gets
// nothing, whether it asks through the path, a tool argument, a document id or a resource URI.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestDocument } from '../../src/ingestion/documents.ts';
import type { WorkspaceContext } from '../../src/tenancy/workspace-context.ts';
import { acmeDocuments, globexDocuments } from '../agent/fixtures.ts';
import { bearer, createTestApi, createWorkspaceWithKey, type TestApi } from '../api/helpers.ts';
import { readFixture } from '../graph/helpers/graph-fixtures.ts';
import { retrievalToolNames } from '../helpers/mcp.ts';

type ToolContent = Array<{ type: string; text?: string; uri?: string; name?: string }>;


describe('MCP over Streamable HTTP', () => {
  let api: TestApi;
  let address: string;
  let acme: WorkspaceContext;
  let globex: WorkspaceContext;
  let acmeSearchKey: string;
  let globexSearchKey: string;
  let acmeWriteKey: string;
  let acmeChatKey: string;
  const documentIds: Record<string, string> = {};
  const clients: Client[] = [];

  const endpoint = (workspace: WorkspaceContext) => `${address}/workspaces/${workspace.workspaceId}/mcp`;

  async function connect(workspace: WorkspaceContext, key: string): Promise<Client> {
    const client = new Client({ name: 'ragspace-test', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(endpoint(workspace)), { requestInit: { headers: bearer(key) } });
    await client.connect(transport);
    clients.push(client);
    return client;
  }

  const textOf = (content: unknown) =>
    (content as ToolContent)
      .filter((part) => part.type === 'text')
      .map((part) => part.text)
      .join('\n');

  beforeAll(async () => {
    api = await createTestApi();
    const acmeWorkspace = await createWorkspaceWithKey(api.database);
    const globexWorkspace = await createWorkspaceWithKey(api.database);
    acme = acmeWorkspace.context;
    globex = globexWorkspace.context;
    acmeSearchKey = await acmeWorkspace.keyFor(['search']);
    acmeWriteKey = await acmeWorkspace.keyFor(['documents:write']);
    acmeChatKey = await acmeWorkspace.keyFor(['chat']);
    globexSearchKey = await globexWorkspace.keyFor(['search']);
    const ingestion = { database: api.database, embedder: api.runtime.embedder, listeners: api.runtime.documentListeners };
    for (const document of [...acmeDocuments, { source: 'northwind.md', content: readFixture('northwind-profile.md') }]) {
      documentIds[document.source] = (await ingestDocument(ingestion, acme, document)).document.id;
    }
    for (const document of globexDocuments) documentIds[document.source] = (await ingestDocument(ingestion, globex, document)).document.id;
    address = await api.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    for (const client of clients) await client.close().catch(() => undefined);
    await api.close();
  });

  it('lists the retrieval tools, read-only, with no tenant parameters', async () => {
    const client = await connect(acme, acmeSearchKey);
    expect(client.getServerVersion()?.name).toBe('ragspace');
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(retrievalToolNames);
    for (const tool of tools) {
      expect(tool.annotations?.readOnlyHint).toBe(true);
      expect(Object.keys(tool.inputSchema.properties ?? {}).filter((name) => /workspace|organization|tenant|group/i.test(name))).toEqual([]);
    }
  });

  it("calls each tool on the key's workspace", async () => {
    const client = await connect(acme, acmeSearchKey);
    for (const name of ['hybrid_search', 'vector_search', 'text_search']) {
      const result = await client.callTool({ name, arguments: { query: 'refund Rocket Skates', limit: 3 } });
      expect(result.isError, name).toBeFalsy();
      expect(textOf(result.content), name).toContain('Acme refunds any Rocket Skates order within 30 days');
      // Each quoted document comes with a link to read it whole.
      expect(result.content as ToolContent, name).toContainEqual(
        expect.objectContaining({ type: 'resource_link', uri: `ragspace://documents/${documentIds['refunds.md']}`, name: 'Refund policy' }),
      );
    }
    const graph = await client.callTool({ name: 'graph_search', arguments: { query: 'Who leads Northwind Robotics?' } });
    expect(textOf(graph.content)).toMatch(/Maria Chen/);
    const relationships = await client.callTool({ name: 'get_entity_relationships', arguments: { entity_name: 'Northwind Robotics' } });
    expect(textOf(relationships.content)).toMatch(/^Northwind Robotics \(organization\)/);
    expect(textOf(relationships.content)).toContain('Helix Vision');
    const timeline = await client.callTool({ name: 'get_entity_timeline', arguments: { entity_name: 'Northwind Robotics' } });
    expect(textOf(timeline.content)).toMatch(/^Timeline of Northwind Robotics/);
    const listed = await client.callTool({ name: 'list_documents', arguments: {} });
    expect(textOf(listed.content)).toContain(`id=${documentIds['support-hours.md']}`);
    const document = await client.callTool({ name: 'get_document', arguments: { document_id: documentIds['support-hours.md'] } });
    expect(textOf(document.content)).toContain('8am to 6pm Pacific time');
  });

  it('serves the documents as resources', async () => {
    const client = await connect(acme, acmeSearchKey);
    const { resources } = await client.listResources();
    expect(resources.map((resource) => resource.name).sort()).toEqual(['Northwind Robotics', 'Partner note', 'Refund policy', 'Support hours']);
    const refunds = resources.find((resource) => resource.name === 'Refund policy')!;
    const read = await client.readResource({ uri: refunds.uri });
    expect(read.contents).toEqual([
      expect.objectContaining({ uri: refunds.uri, mimeType: 'text/markdown', text: expect.stringMatching(/^# Refund policy\n\nSource: refunds\.md\n\n/) }),
    ]);
    expect((read.contents[0] as { text: string }).text).toContain('Opened boxes of Anvil Deluxe cannot be refunded');
  });

  it("gives another workspace's key nothing: not through the path, a tool argument, a document id or a resource URI", async () => {
    const throughPath = await fetch(endpoint(acme), {
      method: 'POST',
      headers: { ...bearer(globexSearchKey), 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(throughPath.status).toBe(403);
    expect(((await throughPath.json()) as { error: { code: string } }).error.code).toBe('workspace_mismatch');

    const client = await connect(globex, globexSearchKey);
    const search = await client.callTool({ name: 'hybrid_search', arguments: { query: 'Rocket Skates refund', workspace_id: acme.workspaceId, workspaceId: acme.workspaceId } });
    expect(search.isError).toBeFalsy();
    expect(textOf(search.content)).not.toContain('Rocket Skates');
    expect(JSON.stringify(search.content)).not.toContain(documentIds['refunds.md']);

    const foreignDocument = await client.callTool({ name: 'get_document', arguments: { document_id: documentIds['refunds.md'] } });
    expect(foreignDocument.isError).toBe(true);
    expect(textOf(foreignDocument.content)).toMatch(/not found/);

    await expect(client.readResource({ uri: `ragspace://documents/${documentIds['refunds.md']}` })).rejects.toMatchObject({ code: -32002 });
    const { resources } = await client.listResources();
    expect(resources.map((resource) => resource.uri)).toEqual([`ragspace://documents/${documentIds['salaries.md']}`]);
    const listed = await client.callTool({ name: 'list_documents', arguments: {} });
    expect(textOf(listed.content)).not.toMatch(/refunds|support-hours|northwind/);
    const graph = await client.callTool({ name: 'get_entity_relationships', arguments: { entity_name: 'Northwind Robotics' } });
    expect(textOf(graph.content)).toBe('No entity named "Northwind Robotics" in the knowledge graph.');
  });

  it('needs the search scope and a key, and answers only POST', async () => {
    const post = (key?: string) =>
      fetch(endpoint(acme), {
        method: 'POST',
        headers: { ...(key ? bearer(key) : {}), 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
    for (const key of [acmeWriteKey, acmeChatKey]) {
      const refused = await post(key);
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('insufficient_scope');
    }
    expect((await post()).status).toBe(401);
    const get = await fetch(endpoint(acme), { headers: { ...bearer(acmeSearchKey), accept: 'text/event-stream' } });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });

  it('answers a malformed message with a JSON-RPC error, not a server error', async () => {
    const response = await fetch(endpoint(acme), {
      method: 'POST',
      headers: { ...bearer(acmeSearchKey), 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ hello: 'world' }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { jsonrpc: string; error: { code: number } }).error.code).toBeLessThan(-32000);
    expect(api.logLines.filter((line) => line.includes('"level":50'))).toEqual([]);
  });
});
