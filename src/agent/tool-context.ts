// How agent tools learn their tenant: from the RunnableConfig the runtime passes on every call
// (LangChain's dependency context), never from arguments the model wrote. The config arrives
// untyped (`configurable` is a Record<string, any>), so every tool parses it with zod and refuses
// to run without a real WorkspaceContext.
import type { ToolRunnableConfig } from '@langchain/core/tools';
import { z } from 'zod';
import { workspaceContextSchema, type WorkspaceContext } from '../tenancy/workspace-context.ts';
import { CitationRegistry } from './citations.ts';

const toolConfigurableSchema = z.object({
  workspaceContext: workspaceContextSchema,
  /** Numbers the chunks a turn has seen, so answers can cite [1], [2] across several tool calls. */
  citationRegistry: z.instanceof(CitationRegistry).optional(),
});

export type AgentToolConfigurable = z.output<typeof toolConfigurableSchema>;

/** The RunnableConfig every agent tool is invoked with. */
export type AgentToolRunnableConfig = ToolRunnableConfig & { configurable: AgentToolConfigurable };

/** The config for one turn's tool calls: the workspace, the turn's citation numbering, and its abort signal. */
export function agentToolConfig(workspaceContext: WorkspaceContext, citationRegistry: CitationRegistry, signal?: AbortSignal): AgentToolRunnableConfig {
  return { configurable: { workspaceContext, citationRegistry }, ...(signal ? { signal } : {}) };
}

export class MissingToolContextError extends Error {
  override name = 'MissingToolContextError';
  constructor(toolName: string, problem: string) {
    super(`${toolName} was called without a workspace context in its RunnableConfig (${problem})`);
  }
}

export function readToolContext(config: ToolRunnableConfig | undefined, toolName: string): AgentToolConfigurable {
  const parsed = toolConfigurableSchema.safeParse(config?.configurable ?? {});
  if (!parsed.success) {
    throw new MissingToolContextError(toolName, parsed.error.issues.map((issue) => `${issue.path.join('.') || 'configurable'}: ${issue.message}`).join('; '));
  }
  return parsed.data;
}
