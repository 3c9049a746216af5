// ragspace mcp, the work: the workspace's MCP server on standard input and output until the client
// goes away. Standard output carries only MCP messages: logs go to standard error.
import type { Runtime } from '../../runtime.ts';
import { packageVersion } from '../../version.ts';
import type { McpOptions } from '../commands/mcp.ts';
import { operatorContext } from '../workspace-context.ts';

export async function serveMcp(runtime: Runtime, options: McpOptions): Promise<void> {
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
