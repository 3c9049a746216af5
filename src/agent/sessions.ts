// Chat sessions and their messages: per workspace, under RLS, ordered by a per-session sequence.
import type { Database, Queryable } from '../db/database.ts';
import { withWorkspace } from '../db/workspace-scope.ts';
import { notFound } from '../errors.ts';
import { cursorTimeColumn, pageClauses, toPage, type Page, type PageRequest } from '../tenancy/pagination.ts';
import type { WorkspaceContext } from '../tenancy/workspace-context.ts';
import type { TokenUsage, ToolCallRecord } from './agent-events.ts';
import type { Citation } from './citations.ts';

export interface Session {
  id: string;
  agentId: string | null;
  customerId: string | null;
  title: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type MessageStatus = 'complete' | 'interrupted' | 'failed';

export interface StoredMessage {
  id: string;
  sequence: number;
  role: 'user' | 'assistant';
  content: string;
  toolCalls: ToolCallRecord[];
  citations: Citation[];
  usage: TokenUsage | null;
  model: string | null;
  status: MessageStatus;
  error: string | null;
  createdAt: Date;
}

export interface NewMessage {
  role: 'user' | 'assistant';
  content: string;
  toolCalls?: ToolCallRecord[];
  citations?: Citation[];
  usage?: TokenUsage | null;
  model?: string | null;
  status?: MessageStatus;
  error?: string | null;
}

const sessionColumns = `id, agent_id AS "agentId", customer_id AS "customerId", title, created_at AS "createdAt", updated_at AS "updatedAt"`;
const messageColumns = `id, sequence, role, content, tool_calls AS "toolCalls", citations, usage, model, status, error, created_at AS "createdAt"`;

async function findSession(transaction: Queryable, context: WorkspaceContext, sessionId: string, lock = false): Promise<Session> {
  const { rows } = await transaction.query<Session>(
    `SELECT ${sessionColumns} FROM sessions WHERE workspace_id = $1 AND id = $2 ${lock ? 'FOR UPDATE' : ''}`,
    [context.workspaceId, sessionId],
  );
  if (!rows[0]) throw notFound(`Session "${sessionId}" not found in this workspace`);
  return rows[0];
}

export function createSession(
  database: Database,
  context: WorkspaceContext,
  input: { agentId: string | null; customerId: string | null; title: string | null },
): Promise<Session> {
  return withWorkspace(database, context, async (transaction) => {
    const { rows } = await transaction.query<Session>(
      `INSERT INTO sessions (workspace_id, agent_id, customer_id, title) VALUES ($1, $2, $3, $4) RETURNING ${sessionColumns}`,
      [context.workspaceId, input.agentId, input.customerId, input.title],
    );
    return rows[0]!;
  });
}

export function getSession(database: Database, context: WorkspaceContext, sessionId: string): Promise<Session> {
  return withWorkspace(database, context, (transaction) => findSession(transaction, context, sessionId));
}

export function listSessions(database: Database, context: WorkspaceContext, page: PageRequest): Promise<Page<Session>> {
  return withWorkspace(database, context, async (transaction) => {
    const clauses = pageClauses('', page, 2);
    const { rows } = await transaction.query<Session & { cursorTime: string }>(
      `SELECT ${sessionColumns}, ${cursorTimeColumn('')} FROM sessions WHERE workspace_id = $1 AND ${clauses.where} ${clauses.orderAndLimit}`,
      [context.workspaceId, ...clauses.parameters],
    );
    return toPage(rows, page);
  });
}

export function deleteSession(database: Database, context: WorkspaceContext, sessionId: string): Promise<void> {
  return withWorkspace(database, context, async (transaction) => {
    await findSession(transaction, context, sessionId);
    await transaction.query('DELETE FROM sessions WHERE workspace_id = $1 AND id = $2', [context.workspaceId, sessionId]);
  });
}

export function getSessionMessages(database: Database, context: WorkspaceContext, sessionId: string): Promise<StoredMessage[]> {
  return withWorkspace(database, context, async (transaction) => {
    await findSession(transaction, context, sessionId);
    const { rows } = await transaction.query<StoredMessage>(
      `SELECT ${messageColumns} FROM messages WHERE workspace_id = $1 AND session_id = $2 ORDER BY sequence`,
      [context.workspaceId, sessionId],
    );
    return rows;
  });
}

/** Appends messages in order; the session row lock makes concurrent turns take distinct sequences. */
export function appendMessages(database: Database, context: WorkspaceContext, sessionId: string, messages: NewMessage[]): Promise<StoredMessage[]> {
  return withWorkspace(database, context, async (transaction) => {
    await findSession(transaction, context, sessionId, true);
    const { rows: last } = await transaction.query<{ sequence: number }>(
      'SELECT coalesce(max(sequence), 0)::int AS sequence FROM messages WHERE workspace_id = $1 AND session_id = $2',
      [context.workspaceId, sessionId],
    );
    let sequence = last[0]!.sequence;
    const stored: StoredMessage[] = [];
    for (const message of messages) {
      sequence += 1;
      const { rows } = await transaction.query<StoredMessage>(
        `INSERT INTO messages (workspace_id, session_id, sequence, role, content, tool_calls, citations, usage, model, status, error)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING ${messageColumns}`,
        [
          context.workspaceId,
          sessionId,
          sequence,
          message.role,
          message.content,
          JSON.stringify(message.toolCalls ?? []),
          JSON.stringify(message.citations ?? []),
          message.usage ? JSON.stringify(message.usage) : null,
          message.model ?? null,
          message.status ?? 'complete',
          message.error ?? null,
        ],
      );
      stored.push(rows[0]!);
    }
    await transaction.query('UPDATE sessions SET updated_at = now() WHERE workspace_id = $1 AND id = $2', [context.workspaceId, sessionId]);
    return stored;
  });
}

/** Rough token count (≈ 4 characters a token) for budgeting history without a tokenizer download. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** One earlier message of a conversation, as the model reads it. */
export interface ConversationMessage {
  role: 'user' | 'assistant';
  content: string;
}

/** The most recent of `messages` (oldest first) whose estimated tokens fit in `tokenBudget`, oldest first. */
export function recentWithinBudget(messages: readonly ConversationMessage[], tokenBudget: number): ConversationMessage[] {
  const kept: ConversationMessage[] = [];
  let used = 0;
  for (let index = messages.length - 1; index >= 0; index -= 1) {
    used += estimateTokens(messages[index]!.content);
    if (used > tokenBudget) break;
    kept.push(messages[index]!);
  }
  return kept.reverse();
}

/** The most recent user/assistant exchanges that fit in `tokenBudget`, oldest first. */
export async function loadHistory(
  database: Database,
  context: WorkspaceContext,
  sessionId: string,
  tokenBudget: number,
): Promise<ConversationMessage[]> {
  const newestFirst = await withWorkspace(database, context, async (transaction) => {
    const { rows } = await transaction.query<ConversationMessage>(
      `SELECT role, content FROM messages WHERE workspace_id = $1 AND session_id = $2 AND content <> ''
       ORDER BY sequence DESC LIMIT 200`,
      [context.workspaceId, sessionId],
    );
    return rows;
  });
  return recentWithinBudget(newestFirst.reverse(), tokenBudget);
}
