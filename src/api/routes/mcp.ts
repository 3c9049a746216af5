// POST /workspaces/:id/mcp: the workspace as a Model Context Protocol server over the Streamable
// HTTP transport, stateless (no MCP session): every request is authenticated with the workspace's
// key like any other route, builds a server for that workspace, answers in JSON and is done, so
// any server process can answer any request and a revoked key stops working at once.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { methodNotAllowed } from '../../errors.ts';
import type { WorkspaceContext } from '../../tenancy/workspace-context.ts';
import { access } from '../access.ts';
import { workspaceContextOf } from '../plugins/authentication.ts';
import { packageVersion } from '../../version.ts';
import type { RouteModule } from '../route-module.ts';
import { takeOverResponse } from '../server-sent-events.ts';
import { idParamsSchema } from '../schemas/common.ts';

const tags = ['mcp'];

export const mcpRoutes: RouteModule = async (app, { runtime }) => {
  const dependencies = {
    database: runtime.database,
    embedder: runtime.embedder,
    graphStore: runtime.graphStore,
    logger: runtime.logger,
    version: packageVersion(),
  };
  // Loaded on the first MCP request: the MCP SDK is not needed by deployments that never serve MCP.
  let servers: Promise<(context: WorkspaceContext) => McpServer> | undefined;
  const loadServers = () => (servers ??= import('../../mcp/workspace-mcp-server.ts').then((module) => module.workspaceMcpServers(dependencies)));

  app.post('/workspaces/:id/mcp', {
    config: { access: access.workspace('search') },
    schema: {
      tags,
      summary: 'Model Context Protocol endpoint (Streamable HTTP) for this workspace',
      description: [
        "The workspace's retrieval tools (hybrid_search, vector_search, text_search, graph_search, get_entity_relationships,",
        'get_entity_timeline, list_documents, get_document) as MCP tools and its documents as MCP resources',
        '(ragspace://documents/{id}), for MCP clients. Needs a key with the search scope; the workspace is the key\'s.',
        'Stateless: send Accept: application/json, text/event-stream; answers are JSON.',
      ].join(' '),
      params: idParamsSchema,
      body: z.unknown().describe('A JSON-RPC 2.0 message (or batch) of the Model Context Protocol'),
    },
    handler: async (request, reply) => {
      const context = workspaceContextOf(request);
      const [{ StreamableHTTPServerTransport }, createServer] = await Promise.all([import('@modelcontextprotocol/sdk/server/streamableHttp.js'), loadServers()]);
      const server = createServer(context);
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      // The transport writes the response itself.
      reply.header('cache-control', 'no-store');
      const response = takeOverResponse(request, reply);
      response.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(request.raw, response, request.body);
      return reply;
    },
  });

  // Stateless: no server-sent event stream to open (GET) and no session to end (DELETE).
  for (const method of ['GET', 'DELETE'] as const) {
    app.route({
      method,
      url: '/workspaces/:id/mcp',
      config: { access: access.workspace('search') },
      schema: { tags, summary: `Not supported (stateless MCP endpoint): 405`, params: idParamsSchema },
      handler: async (_request, reply) => {
        reply.header('allow', 'POST');
        throw methodNotAllowed('This MCP endpoint is stateless: send JSON-RPC messages with POST');
      },
    });
  }
};
