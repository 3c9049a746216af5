// ragspace mcp --workspace <ref>: the workspace's MCP server over standard input and output, for
// desktop MCP clients that start a local command. The same tools and resources as
// POST /workspaces/:id/mcp; the operator names the workspace, as for `ragspace chat`. Standard
// output carries only MCP messages: logs go to standard error.
import type { Command } from 'commander';
import type { Runtime } from '../../runtime.ts';
import { packageVersion } from '../../version.ts';
import { runWithRuntime } from '../run-command.ts';
import { operatorContext } from '../workspace-context.ts';

interface McpOptions {
  workspace: string;
  json?: boolean;
}

async function serveMcp(runtime: Runtime, options: McpOptions): Promise<void> {
  const context = await operatorContext(runtime.database, options.workspace);
  const [{ StdioServerTransport }, { workspaceMcpServers }] = await Promise.all([
    import('@modelcontextprotocol/sdk/server/stdio.js'),
    import('../../mcp/workspace-mcp-server.ts'),
  ]);
  const createServer = workspaceMcpServers({
    database: runtime.database,
    embedder: runtime.embedder,
    graphStore: runtime.graphStore,
    logger: runtime.logger,
    version: packageVersion(),
  });
  const server = createServer(context);
  // Serve until the client closes our standard input (or closes the connection), then close the runtime.
  const finished = new Promise<void>((resolve) => {
    process.stdin.once('end', resolve);
    process.stdin.once('close', resolve);
    server.server.onclose = resolve;
  });
  await server.connect(new StdioServerTransport());
  runtime.logger.info(`MCP server for workspace ${context.slug} on standard input/output`);
  await finished;
  await server.close();
}

export function registerMcpCommand(program: Command): void {
  program
    .command('mcp')
    .description("serve a workspace's retrieval tools and documents to an MCP client over stdio")
    .requiredOption('--workspace <id|slug>', 'the workspace (id, slug or org-slug/workspace-slug)')
    .action(runWithRuntime(serveMcp));
}
