// One workspace as a Model Context Protocol server: the agent's retrieval tools as MCP tools, and
// the workspace's documents as MCP resources. The workspace is fixed when the server is built
// (from the API key and path, or the operator's CLI argument); tools receive it through the same
// RunnableConfig the agent uses, never from tool arguments, so a client that puts another
// workspace's id into a call changes nothing (keys the schema does not know are stripped).
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, McpError, type CallToolResult, type ReadResourceResult } from '@modelcontextprotocol/sdk/types.js';
import type { ToolMessage } from '@langchain/core/messages';
import type { StructuredToolInterface } from '@langchain/core/tools';
import type { z } from 'zod';
import { CitationRegistry } from '../agent/citations.ts';
import type { AgentToolConfigurable } from '../agent/tool-context.ts';
import type { ToolArtifact } from '../agent/tool-summary.ts';
import { createAgentTools, type AgentToolDependencies } from '../agent/tools/index.ts';
import { RagspaceError } from '../errors.ts';
import { getDocument, listDocuments } from '../ingestion/documents.ts';
import type { Logger } from '../logger.ts';
import { agentToolNames } from '../tenancy/agents.ts';
import type { WorkspaceContext } from '../tenancy/workspace-context.ts';

export interface WorkspaceMcpDependencies extends AgentToolDependencies {
  logger: Logger;
  /** Shown to clients as the server's version. */
  version: string;
}

const documentUriPrefix = 'ragspace://documents/';
export const documentUri = (documentId: string) => `${documentUriPrefix}${documentId}`;

// resources/list has no paging in the SDK's template listing: list this many; list_documents pages through all.
const maximumListedDocuments = 1000;
const listPageSize = 100;
// MCP's code for a resource that does not exist (or is not this workspace's).
const resourceNotFound = -32002;

/** A failure a client may read: our own errors below 500; anything else only by request id in the log. */
function clientMessage(error: unknown, logger: Logger, what: string): string {
  if (error instanceof RagspaceError && error.statusCode < 500) return error.message;
  if (error instanceof RagspaceError && error.code.startsWith('upstream')) return error.message;
  logger.error({ err: error }, `MCP ${what} failed`);
  return `${what} failed with an internal error`;
}

/** The JSON-RPC error code of a failed resource read: not found (also another workspace's), bad id, or ours. */
function resourceErrorCode(error: unknown): number {
  if (!(error instanceof RagspaceError) || error.statusCode >= 500) return ErrorCode.InternalError;
  return error.code === 'not_found' ? resourceNotFound : ErrorCode.InvalidParams;
}

function toolResult(message: ToolMessage): CallToolResult {
  const text = typeof message.content === 'string' ? message.content : JSON.stringify(message.content);
  const artifact = message.artifact as ToolArtifact | undefined;
  // Each document a result quotes, as a link the client can read in full as a resource.
  const documents = new Map((artifact?.chunks ?? []).map((chunk) => [chunk.documentId, chunk]));
  return {
    content: [
      { type: 'text', text },
      ...[...documents.values()].map((chunk) => ({
        type: 'resource_link' as const,
        uri: documentUri(chunk.documentId),
        name: chunk.title,
        description: `Source: ${chunk.source}`,
        mimeType: 'text/markdown',
      })),
    ],
  };
}

function registerTool(server: McpServer, tool: StructuredToolInterface, context: WorkspaceContext, logger: Logger): void {
  server.registerTool(
    tool.name,
    {
      description: tool.description,
      inputSchema: tool.schema as z.ZodObject,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (args, extra) => {
      // The same configurable the agent's turns pass: the tenant travels here, never in `args`.
      const configurable: AgentToolConfigurable = { workspaceContext: context, citationRegistry: new CitationRegistry() };
      try {
        const message = (await tool.invoke(
          { id: `mcp_${String(extra.requestId)}`, name: tool.name, args: args as Record<string, unknown>, type: 'tool_call' },
          { configurable, signal: extra.signal },
        )) as ToolMessage;
        return toolResult(message);
      } catch (error) {
        return { content: [{ type: 'text', text: clientMessage(error, logger, `The tool ${tool.name}`) }], isError: true };
      }
    },
  );
}

/** A document's passages in order, under their headings, as Markdown. */
async function readDocument(dependencies: WorkspaceMcpDependencies, context: WorkspaceContext, uri: URL, documentId: string): Promise<ReadResourceResult> {
  const document = await getDocument(dependencies.database, context, documentId, { includeChunks: true });
  const parts = [`# ${document.title}`, `Source: ${document.source}`];
  let heading = '';
  for (const chunk of document.chunks ?? []) {
    const path = chunk.headingPath.join(' › ');
    if (path && path !== heading) parts.push(`## ${path}`);
    heading = path;
    parts.push(chunk.content);
  }
  return { contents: [{ uri: uri.href, mimeType: 'text/markdown', text: parts.join('\n\n') }] };
}

async function listDocumentResources(dependencies: WorkspaceMcpDependencies, context: WorkspaceContext) {
  const resources = [];
  let cursor: string | undefined;
  do {
    const page = await listDocuments(dependencies.database, context, { limit: listPageSize, cursor });
    for (const document of page.items) {
      resources.push({ uri: documentUri(document.id), name: document.title, description: `Source: ${document.source}`, mimeType: 'text/markdown' });
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor && resources.length < maximumListedDocuments);
  return { resources: resources.slice(0, maximumListedDocuments) };
}

/**
 * Builds MCP servers for workspaces. The tools are made once: they hold no tenant, which each call
 * passes in its config; a server is cheap and made per request (stateless HTTP) or per process (stdio).
 */
export function workspaceMcpServers(dependencies: WorkspaceMcpDependencies): (context: WorkspaceContext) => McpServer {
  const tools = createAgentTools(dependencies, agentToolNames);
  return (context) => createWorkspaceMcpServer(dependencies, tools, context);
}

function createWorkspaceMcpServer(dependencies: WorkspaceMcpDependencies, tools: StructuredToolInterface[], context: WorkspaceContext): McpServer {
  const server = new McpServer(
    { name: 'ragspace', version: dependencies.version },
    {
      instructions:
        "Search this ragspace workspace's documents and knowledge graph. Start with hybrid_search; read whole documents as resources (ragspace://documents/{id}).",
    },
  );
  for (const tool of tools) registerTool(server, tool, context, dependencies.logger);

  server.registerResource(
    'document',
    new ResourceTemplate(`${documentUriPrefix}{documentId}`, { list: () => listDocumentResources(dependencies, context) }),
    { description: "A document of this workspace: its passages in order, under their headings", mimeType: 'text/markdown' },
    async (uri, variables) => {
      const documentId = String(variables.documentId ?? '');
      try {
        return await readDocument(dependencies, context, uri, documentId);
      } catch (error) {
        throw new McpError(resourceErrorCode(error), clientMessage(error, dependencies.logger, `Reading ${uri.href}`), { uri: uri.href });
      }
    },
  );
  return server;
}
