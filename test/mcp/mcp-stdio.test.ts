// `ragspace mcp --workspace <ref>` as a desktop MCP client runs it: the real binary in a child
// process speaking MCP over its standard input and output, read by the SDK's own stdio client.
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { ingestDocument } from '../../src/ingestion/documents.ts';
import { ensureDeploymentEmbedder } from '../../src/ingestion/embedders/deployment-embedder.ts';
import { acmeDocuments, embedder, globexDocuments } from '../agent/fixtures.ts';
import { retrievalToolNames } from '../helpers/mcp.ts';
import { createCliEnvironment, type CliEnvironment } from '../helpers/cli-environment.ts';
import { createTestTenant } from '../helpers/database.ts';

const binary = fileURLToPath(new URL('../../bin/ragspace.js', import.meta.url));
// Start-up of the CLI under tsx on a busy machine: generous, never a claim about speed.
const startupTimeoutMs = 120_000;

type ToolContent = Array<{ type: string; text?: string }>;

describe('ragspace mcp (stdio)', () => {
  let cli: CliEnvironment;
  let owner: Database;
  let client: Client;
  let stderr = '';
  const documentIds: Record<string, string> = {};

  beforeAll(async () => {
    cli = await createCliEnvironment();
    owner = cli.database;
    await ensureDeploymentEmbedder(owner, embedder);
    const acme = await createTestTenant(owner, { workspaceSlug: 'acme-support' });
    const globex = await createTestTenant(owner, { workspaceSlug: 'globex-hr' });
    for (const document of acmeDocuments) documentIds[document.source] = (await ingestDocument({ database: owner, embedder }, acme, document)).document.id;
    for (const document of globexDocuments) documentIds[document.source] = (await ingestDocument({ database: owner, embedder }, globex, document)).document.id;

    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [binary, 'mcp', '--workspace', 'acme-support'],
      env: { ...(process.env as Record<string, string>), LOG_LEVEL: 'warn', ...cli.environment },
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    client = new Client({ name: 'desktop-client', version: '1.0.0' });
    await client.connect(transport, { timeout: startupTimeoutMs });
  }, startupTimeoutMs + 60_000);
  afterAll(async () => {
    await client?.close();
    await cli?.close();
  });

  it('lists the same tools as the HTTP endpoint', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(retrievalToolNames);
  });

  it('searches and reads the named workspace only', async () => {
    const search = await client.callTool({ name: 'hybrid_search', arguments: { query: 'refunds within 30 days', workspace_id: 'globex-hr' } });
    const text = (search.content as ToolContent).map((part) => part.text ?? '').join('\n');
    expect(text).toContain('Acme refunds any Rocket Skates order within 30 days');
    expect(text).not.toContain('relocation');

    const { resources } = await client.listResources();
    expect(resources.map((resource) => resource.name).sort()).toEqual(['Partner note', 'Refund policy', 'Support hours']);
    const read = await client.readResource({ uri: `ragspace://documents/${documentIds['support-hours.md']}` });
    expect((read.contents[0] as { text: string }).text).toContain('8am to 6pm Pacific time');

    const foreign = await client.callTool({ name: 'get_document', arguments: { document_id: documentIds['salaries.md'] } });
    expect(foreign.isError).toBe(true);
    await expect(client.readResource({ uri: `ragspace://documents/${documentIds['salaries.md']}` })).rejects.toMatchObject({ code: -32002 });
    // Standard output carried only MCP messages (the client would have failed to parse anything else).
    expect(stderr).not.toMatch(/error/i);
  });
});
