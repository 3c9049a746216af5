// The two transactions of a chat turn. runChatTurn (chat-service.ts) runs the model between them
// and is the only caller outside tests, which use them to leave a turn half-done as a crash would.
//
// beginTurn: the session (locked, or created; refused while another turn runs on it), the agent,
// the history, the user's message, then the day's chat-message quota, the turn's lease (concurrent
// streams) and a reservation against the month's LLM tokens. Any refusal rolls all of it back.
// finishTurn: the assistant's message, the turn's usage rows, the token settlement and the lease's
// release, together: a crash cannot keep the answer without its usage, or the reverse.
import { AIMessage, HumanMessage, SystemMessage, type BaseMessage } from '@langchain/core/messages';
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import { withWorkspace } from '../db/workspace-scope.ts';
import { findAgent, findDefaultAgent, type Agent } from '../tenancy/agents.ts';
import { acquireTurnLease, assertSessionFree, releaseTurnLease, type TurnLease } from '../tenancy/leases.ts';
import { consumePeriodQuota, settleConsumption, type Consumption } from '../tenancy/quotas.ts';
import { insertUsageEvents, type UsageEvent } from '../tenancy/usage.ts';
import { estimateTokens } from '../tenancy/usage-scope.ts';
import type { WorkspaceContext } from '../tenancy/workspace-context.ts';
import { chooseChatModel, type ChatModelChoice } from './chat-model.ts';
import {
  findSession,
  insertMessages,
  insertSession,
  lastMessageRole,
  readHistory,
  recentWithinBudget,
  type ConversationMessage,
  type NewMessage,
  type Session,
} from './sessions.ts';

const citationInstruction =
  'Passages returned by tools are numbered like [1]. Cite every statement with the number of the passage it comes from.';

/** What a question left unanswered by a turn that never finished gets as its answer. */
export const abandonedTurnError = 'the turn stopped before it answered (its server stopped or lost the database)';

export interface TurnStart {
  session: Session;
  agent: Agent;
  choice: ChatModelChoice;
  /** System prompt, history and the new message, as the model gets them. */
  messages: BaseMessage[];
  lease: TurnLease;
  /** The LLM tokens reserved for the turn, settled by finishTurn; null when not enforced or not an LLM. */
  tokenReservation: Consumption | null;
}

export interface TurnSettings {
  enforceQuotas: boolean;
  now: Date;
  leaseSeconds: number;
}

function buildMessages(agent: Agent, history: ConversationMessage[], message: string): BaseMessage[] {
  return [
    new SystemMessage(`${agent.systemPrompt}\n\n${citationInstruction}`),
    ...history.map((entry) => (entry.role === 'user' ? new HumanMessage(entry.content) : new AIMessage(entry.content))),
    new HumanMessage(message),
  ];
}

/** The tokens the first model call will read, estimated: a turn is admitted only if they fit. */
function promptTokens(messages: BaseMessage[]): number {
  return messages.reduce((sum, message) => sum + estimateTokens(typeof message.content === 'string' ? message.content : JSON.stringify(message.content)), 0);
}

export function beginTurn(
  dependencies: { config: Config; database: Database },
  context: WorkspaceContext,
  request: { message: string; agentId?: string; sessionId?: string; history?: ConversationMessage[] },
  settings: TurnSettings,
): Promise<TurnStart> {
  const { config } = dependencies;
  const { enforceQuotas, now } = settings;
  const workspaceId = context.workspaceId;
  return withWorkspace(dependencies.database, context, async (transaction) => {
    const existing = request.sessionId ? await findSession(transaction, context, request.sessionId, true) : undefined;
    const reference = request.agentId ?? existing?.agentId ?? undefined;
    const agent = reference ? await findAgent(transaction, workspaceId, reference) : await findDefaultAgent(transaction, workspaceId);
    const session =
      existing ?? (await insertSession(transaction, context, { agentId: agent.id, customerId: context.customerId, title: request.message.slice(0, 80) }));
    if (existing) {
      await assertSessionFree(transaction, workspaceId, session.id, now);
      // No turn runs on the session now, so a trailing question is one whose turn died: answer it
      // as failed, and every question keeps its answer right after it.
      if ((await lastMessageRole(transaction, context, session.id)) === 'user') {
        await insertMessages(transaction, context, session.id, [{ role: 'assistant', content: '', status: 'failed', error: abandonedTurnError }]);
      }
    }
    // A client that keeps the conversation (the OpenAI-compatible API) sends it; else the session's.
    const budget = config.chat.historyTokenBudget;
    const history = request.history ? recentWithinBudget(request.history, budget) : await readHistory(transaction, context, session.id, budget);
    await insertMessages(transaction, context, session.id, [{ role: 'user', content: request.message }]);
    const choice = chooseChatModel(config, agent);
    const messages = buildMessages(agent, history, request.message);
    // Quotas and the lease last: their per-workspace locks are then held for the shortest time.
    if (enforceQuotas) await consumePeriodQuota(transaction, workspaceId, 'chatMessagesPerDay', 1, now);
    const lease = await acquireTurnLease(transaction, workspaceId, session.id, { now, ttlSeconds: settings.leaseSeconds, enforceLimit: enforceQuotas });
    const tokenReservation =
      enforceQuotas && choice.kind === 'llm' ? await consumePeriodQuota(transaction, workspaceId, 'llmTokensPerMonth', promptTokens(messages), now) : null;
    return { session, agent, choice, messages, lease, tokenReservation };
  });
}

export interface TurnEnd {
  answer: NewMessage;
  /** The turn's usage rows (empty when usage is not recorded). */
  usage: UsageEvent[];
  /** LLM tokens the turn used, to settle its reservation. */
  tokensUsed: number;
  now: Date;
}

export function finishTurn(database: Database, context: WorkspaceContext, start: TurnStart, end: TurnEnd): Promise<void> {
  const workspaceId = context.workspaceId;
  return withWorkspace(database, context, async (transaction) => {
    await findSession(transaction, context, start.session.id, true);
    await insertMessages(transaction, context, start.session.id, [end.answer]);
    await insertUsageEvents(transaction, workspaceId, end.usage, end.now);
    if (start.tokenReservation) await settleConsumption(transaction, workspaceId, start.tokenReservation, end.tokensUsed);
    await releaseTurnLease(transaction, workspaceId, start.lease.id);
  });
}
