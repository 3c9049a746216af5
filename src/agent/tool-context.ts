// How agent tools learn their tenant: from the RunnableConfig the runtime passes on every call
// (LangChain's dependency context), never from arguments the model wrote.
import type { ToolRunnableConfig } from '@langchain/core/tools';
import type { WorkspaceContext } from '../tenancy/workspace-context.ts';
import type { CitationRegistry } from './citations.ts';

export interface AgentToolConfigurable {
  workspaceContext: WorkspaceContext;
  /** Numbers the chunks a turn has seen, so answers can cite [1], [2] across several tool calls. */
  citationRegistry?: CitationRegistry;
}

export class MissingToolContextError extends Error {
  override name = 'MissingToolContextError';
  constructor(toolName: string) {
    super(`${toolName} was called without a workspace context in its RunnableConfig`);
  }
}

export function readToolContext(config: ToolRunnableConfig | undefined, toolName: string): AgentToolConfigurable {
  const configurable = config?.configurable as Partial<AgentToolConfigurable> | undefined;
  if (!configurable?.workspaceContext?.workspaceId) throw new MissingToolContextError(toolName);
  return { workspaceContext: configurable.workspaceContext, citationRegistry: configurable.citationRegistry };
}
