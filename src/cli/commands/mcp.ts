// ragspace mcp --workspace <ref>: the workspace's MCP server over standard input and output, for
// desktop MCP clients that start a local command. The same tools and resources as
// POST /workspaces/:id/mcp; the operator names the workspace, as for `ragspace chat`. The work
// (and the MCP SDK) is in ../actions/mcp.ts, loaded only when the command runs.
import type { Command } from 'commander';
import { runWithRuntime } from '../run-command.ts';

export interface McpOptions {
  workspace: string;
  json?: boolean;
}

export function registerMcpCommand(program: Command): void {
  program
    .command('mcp')
    .description("serve a workspace's retrieval tools and documents to an MCP client over stdio")
    .requiredOption('--workspace <id|slug>', 'the workspace (id, slug or org-slug/workspace-slug)')
    .action(
      runWithRuntime<McpOptions, []>(async (runtime, options) => {
        const { serveMcp } = await import('../actions/mcp.ts');
        await serveMcp(runtime, options);
      }),
    );
}
