// One chat turn, end to end, in two transactions (chat-turn-transactions.ts): the first admits the
// turn (quotas, lease, session, agent, history, the user's message), the model runs outside any
// transaction, and the second stores the answer with its usage and ends the lease. The only way a
// turn is run: the chat route, the CLI and any other chat endpoint call runChatTurn.
import type { Config } from '../config.ts';
import { systemClock, type Clock } from '../tenancy/clock.ts';
import { renewTurnLease } from '../tenancy/leases.ts';
import { attributed, type UsageEvent } from '../tenancy/usage.ts';
import { outcomeOf, runInUsageScope, UsageScope } from '../tenancy/usage-scope.ts';
import { parseInput } from '../tenancy/validation.ts';
import type { WorkspaceContext } from '../tenancy/workspace-context.ts';
import { chatRequestSchema, type ChatRequest } from './chat-request.ts';
import { zeroUsage, type AgentEventSink, type AgentTurnResult, type TokenUsage } from './agent-events.ts';
import { beginTurn, finishTurn, type TurnStart } from './chat-turn-transactions.ts';
import { describeModelFailure } from '../models/model-failure.ts';
import { runExtractiveTurn } from './run-extractive-turn.ts';
import { runLlmTurn } from './run-llm-turn.ts';
import type { NewMessage, Session } from './sessions.ts';
import { createAgentTools, type AgentToolDependencies } from './tools/index.ts';

/** How a turn is metered. */
export interface ChatMetering {
  /** Plan quotas (chat messages per day, LLM tokens per month, concurrent streams). Off only for the operator's CLI. */
  enforceQuotas: boolean;
  /** The turn's usage rows, stored with its answer. Off only to measure what they cost. */
  recordUsage: boolean;
  clock: Clock;
  /** Stored on the turn's usage rows (the HTTP request id). */
  requestId?: string;
}

export interface ChatDependencies extends AgentToolDependencies {
  config: Config;
  /** Defaults: quotas enforced, usage recorded, the system clock. */
  metering?: Partial<ChatMetering>;
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

function meteringOf(dependencies: ChatDependencies): ChatMetering {
  return { enforceQuotas: true, recordUsage: true, clock: systemClock, ...dependencies.metering };
}

/** Renews the turn's lease every third of its lifetime while the model runs; returns the stop. */
function keepLeaseAlive(dependencies: ChatDependencies, context: WorkspaceContext, start: TurnStart, clock: Clock): () => void {
  const seconds = dependencies.config.chat.leaseSeconds;
  const timer = setInterval(() => {
    // A failed renewal is retried on the next tick; the lease outlives two missed renewals.
    renewTurnLease(dependencies.database, context, start.lease.id, clock(), seconds).catch(() => undefined);
  }, (seconds * 1000) / 3);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Runs one turn. On failure or disconnect the partial answer is stored, marked failed or
 * interrupted, with the turn's usage so far, and the error is rethrown.
 */
export async function runChatTurn(
  dependencies: ChatDependencies,
  context: WorkspaceContext,
  input: ChatRequest,
  callbacks: ChatCallbacks = {},
): Promise<ChatTurn> {
  const request = parseInput(chatRequestSchema, input);
  const metering = meteringOf(dependencies);
  const started = performance.now();
  const start = await beginTurn(dependencies, context, request, {
    enforceQuotas: metering.enforceQuotas,
    now: metering.clock(),
    leaseSeconds: dependencies.config.chat.leaseSeconds,
  });
  const { session, agent, choice } = start;
  callbacks.onSession?.(session);

  let partialAnswer = '';
  const emit: AgentEventSink = (event) => {
    if (event.type === 'token') partialAnswer += event.text;
    callbacks.emit?.(event);
  };
  const tools = createAgentTools(dependencies, agent.enabledTools);
  // The model's tokens so far, kept when the turn fails halfway through its tool loop.
  const modelUsage = zeroUsage();
  const scope = new UsageScope();
  const stopRenewing = keepLeaseAlive(dependencies, context, start, metering.clock);

  const finish = (answer: NewMessage, usage: TokenUsage, outcome: string) => {
    const common: Partial<UsageEvent> = { agentId: agent.id, requestId: metering.requestId ?? null, outcome };
    const turnEvent: UsageEvent = {
      ...common,
      kind: 'chat',
      model: choice.name,
      inputTokens: usage.inputTokens,
      outputTokens: usage.outputTokens,
      latencyMs: performance.now() - started,
    };
    const events = [turnEvent, ...scope.events(common)].map((event) => attributed(context, event));
    return finishTurn(dependencies.database, context, start, {
      answer,
      usage: metering.recordUsage ? events : [],
      tokensUsed: usage.inputTokens + usage.outputTokens,
      now: metering.clock(),
    });
  };

  let result: AgentTurnResult;
  try {
    result = await runInUsageScope(scope, () =>
      choice.kind === 'llm'
        ? runLlmTurn({
            model: choice.model,
            modelName: choice.name,
            tools,
            messages: start.messages,
            maxToolRounds: agent.maxToolRounds,
            idleTimeoutMs: dependencies.config.chat.timeoutMs,
            context,
            emit,
            signal: callbacks.signal,
            usage: modelUsage,
          })
        : runExtractiveTurn({ question: request.message, tools, context, emit, signal: callbacks.signal }),
    );
  } catch (caught) {
    stopRenewing();
    const interrupted = callbacks.signal?.aborted === true;
    const error = interrupted ? caught : describeModelFailure(caught, choice.name, dependencies.config.chat.timeoutMs);
    const answer: NewMessage = {
      role: 'assistant',
      content: partialAnswer,
      model: choice.name,
      status: interrupted ? 'interrupted' : 'failed',
      error: interrupted ? 'the client disconnected' : (error as Error).message,
    };
    await finish(answer, modelUsage, interrupted ? 'interrupted' : outcomeOf(error));
    throw error;
  }
  stopRenewing();
  await finish(
    { role: 'assistant', content: result.answer, toolCalls: result.toolCalls, citations: result.citations, usage: result.usage, model: result.model },
    result.usage,
    'ok',
  );
  return { ...result, sessionId: session.id, agentId: agent.id };
}
