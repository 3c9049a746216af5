// One chat turn, end to end: agent, session, history, the turn itself, persistence and usage.
import { AIMessage, HumanMessage, SystemMessage, type BaseMessage } from '@langchain/core/messages';
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import { withWorkspace } from '../db/workspace-scope.ts';
import { describeModelFailure } from '../models/model-failure.ts';
import { getAgent, getDefaultAgent, type Agent } from '../tenancy/agents.ts';
import { parseInput } from '../tenancy/validation.ts';
import type { WorkspaceContext } from '../tenancy/workspace-context.ts';
import type { AgentEventSink, AgentTurnResult } from './agent-events.ts';
import { chooseChatModel } from './chat-model.ts';
import { runExtractiveTurn } from './run-extractive-turn.ts';
import { runLlmTurn } from './run-llm-turn.ts';
import { chatRequestSchema, type ChatRequest } from './chat-request.ts';
import { appendMessages, createSession, getSession, loadHistory, recentWithinBudget, type ConversationMessage, type Session } from './sessions.ts';
import { createAgentTools, type AgentToolDependencies } from './tools/index.ts';

export interface ChatDependencies extends AgentToolDependencies {
  config: Config;
}

export type { ChatRequest };

export interface ChatTurn extends AgentTurnResult {
  sessionId: string;
  agentId: string;
}

export interface ChatCallbacks {
  /** Called once the session is known, before the model runs (SSE sends it first). */
  onSession?: (session: Session) => void;
  emit?: AgentEventSink;
  signal?: AbortSignal;
}

const citationInstruction =
  'Passages returned by tools are numbered like [1]. Cite every statement with the number of the passage it comes from.';

function buildMessages(agent: Agent, history: ConversationMessage[], message: string): BaseMessage[] {
  return [
    new SystemMessage(`${agent.systemPrompt}\n\n${citationInstruction}`),
    ...history.map((entry) => (entry.role === 'user' ? new HumanMessage(entry.content) : new AIMessage(entry.content))),
    new HumanMessage(message),
  ];
}

/** The agent a turn runs: the one asked for, else the session's own, else the workspace default. */
async function resolveAgent(dependencies: ChatDependencies, context: WorkspaceContext, requested: string | undefined, session: Session | undefined): Promise<Agent> {
  const reference = requested ?? session?.agentId ?? undefined;
  if (reference) return getAgent(dependencies.database, context, reference);
  return getDefaultAgent(dependencies.database, context);
}

async function recordUsage(database: Database, context: WorkspaceContext, result: AgentTurnResult): Promise<void> {
  await withWorkspace(database, context, (transaction) =>
    transaction.query(
      `INSERT INTO usage_events (workspace_id, api_key_id, customer_id, kind, input_tokens, output_tokens)
       VALUES ($1, $2, $3, 'chat', $4, $5)`,
      [context.workspaceId, context.apiKeyId, context.customerId, result.usage.inputTokens, result.usage.outputTokens],
    ),
  );
}

/**
 * Runs one turn. The user's message is stored before the model runs; on failure or disconnect the
 * partial answer is stored too, marked failed or interrupted, and the error is rethrown.
 */
export async function runChatTurn(
  dependencies: ChatDependencies,
  context: WorkspaceContext,
  input: ChatRequest,
  callbacks: ChatCallbacks = {},
): Promise<ChatTurn> {
  const request = parseInput(chatRequestSchema, input);
  const existingSession = request.sessionId ? await getSession(dependencies.database, context, request.sessionId) : undefined;
  const agent = await resolveAgent(dependencies, context, request.agentId, existingSession);
  const session =
    existingSession ??
    (await createSession(dependencies.database, context, { agentId: agent.id, customerId: context.customerId, title: request.message.slice(0, 80) }));
  callbacks.onSession?.(session);
  const historyBudget = dependencies.config.chat.historyTokenBudget;
  const history = request.history
    ? recentWithinBudget(request.history, historyBudget)
    : await loadHistory(dependencies.database, context, session.id, historyBudget);
  await appendMessages(dependencies.database, context, session.id, [{ role: 'user', content: request.message }]);

  let partialAnswer = '';
  const emit: AgentEventSink = (event) => {
    if (event.type === 'token') partialAnswer += event.text;
    callbacks.emit?.(event);
  };
  const tools = createAgentTools(dependencies, agent.enabledTools);
  const choice = chooseChatModel(dependencies.config, agent);
  let result: AgentTurnResult;
  try {
    result =
      choice.kind === 'llm'
        ? await runLlmTurn({
            model: choice.model,
            modelName: choice.name,
            tools,
            messages: buildMessages(agent, history, request.message),
            maxToolRounds: agent.maxToolRounds,
            idleTimeoutMs: dependencies.config.chat.timeoutMs,
            context,
            emit,
            signal: callbacks.signal,
          })
        : await runExtractiveTurn({ question: request.message, tools, context, emit, signal: callbacks.signal });
  } catch (caught) {
    const interrupted = callbacks.signal?.aborted === true;
    const error = interrupted ? caught : describeModelFailure(caught, choice.name, dependencies.config.chat.timeoutMs);
    await appendMessages(dependencies.database, context, session.id, [
      {
        role: 'assistant',
        content: partialAnswer,
        model: choice.name,
        status: interrupted ? 'interrupted' : 'failed',
        error: interrupted ? 'the client disconnected' : (error as Error).message,
      },
    ]);
    throw error;
  }
  await appendMessages(dependencies.database, context, session.id, [
    { role: 'assistant', content: result.answer, toolCalls: result.toolCalls, citations: result.citations, usage: result.usage, model: result.model },
  ]);
  await recordUsage(dependencies.database, context, result);
  return { ...result, sessionId: session.id, agentId: agent.id };
}
