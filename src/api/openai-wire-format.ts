// Converts between OpenAI's Chat Completions wire format and a ragspace chat turn: the client's
// messages into a question and its history, a turn into a completion or stream chunks, and any
// error into OpenAI's error shape with ragspace's status code and machine-readable code.
import { randomUUID } from 'node:crypto';
import type { TokenUsage } from '../agent/agent-events.ts';
import type { ChatTurn } from '../agent/chat-service.ts';
import type { ConversationMessage } from '../agent/sessions.ts';
import { validationError, type RagspaceError } from '../errors.ts';
import { citationToWire, toolCallToWire } from './chat-wire-format.ts';
import type { ChatCompletionMessage, OpenAiErrorBody } from './schemas/openai.ts';

/** The longest question a turn takes, as on /workspaces/:id/chat. */
const maximumQuestionCharacters = 20_000;

export interface Conversation {
  question: string;
  history: ConversationMessage[];
}

function invalidMessage(index: number, message: string): RagspaceError {
  return validationError(`messages[${index}]: ${message}`, [{ path: `body.messages.${index}`, message }]);
}

function textOf(message: ChatCompletionMessage, index: number): string {
  const content = message.content;
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  return content
    .map((part) => {
      if (part.type !== 'text' || typeof part.text !== 'string') throw invalidMessage(index, `content parts of type "${part.type}" are not supported; send text`);
      return part.text;
    })
    .join('');
}

/**
 * The client's messages as a turn: the last message is the question, the user and assistant
 * messages before it are the history. System and developer messages are left out (the agent's own
 * prompt applies); tool messages cannot occur, since the client is never asked to call a tool.
 */
export function conversationOf(messages: readonly ChatCompletionMessage[]): Conversation {
  const history: ConversationMessage[] = [];
  messages.forEach((message, index) => {
    if (message.role === 'tool' || message.role === 'function') throw invalidMessage(index, `role "${message.role}" is not supported: ragspace agents run their own tools`);
    if (message.role === 'user' || message.role === 'assistant') history.push({ role: message.role, content: textOf(message, index) });
  });
  const lastIndex = messages.length - 1;
  const last = history.pop();
  if (!last || messages[lastIndex]!.role !== 'user') throw invalidMessage(lastIndex, "the last message must be the user's question");
  const question = last.content.trim();
  if (!question) throw invalidMessage(lastIndex, 'the question is empty');
  if (question.length > maximumQuestionCharacters) throw invalidMessage(lastIndex, `the question is longer than ${maximumQuestionCharacters} characters`);
  return { question, history: history.filter((message) => message.content.trim() !== '') };
}

/** What every chunk and the completion of one answer share. */
export interface CompletionIdentity {
  id: string;
  created: number;
  model: string;
}

export function newCompletionIdentity(model: string): CompletionIdentity {
  return { id: `chatcmpl-${randomUUID()}`, created: Math.floor(Date.now() / 1000), model };
}

export const usageToOpenAi = (usage: TokenUsage) => ({
  prompt_tokens: usage.inputTokens,
  completion_tokens: usage.outputTokens,
  total_tokens: usage.totalTokens,
});

/** ragspace's additions to an answer: the cited passages, and the session, agent and tools of the turn. */
export function ragspaceExtras(turn: ChatTurn) {
  return {
    citations: turn.citations.map(citationToWire),
    ragspace: { session_id: turn.sessionId, agent_id: turn.agentId, model: turn.model, tool_calls: turn.toolCalls.map(toolCallToWire) },
  };
}

export function completionToWire(identity: CompletionIdentity, turn: ChatTurn) {
  return {
    ...identity,
    object: 'chat.completion' as const,
    choices: [{ index: 0, message: { role: 'assistant' as const, content: turn.answer, refusal: null }, logprobs: null, finish_reason: 'stop' as const }],
    usage: usageToOpenAi(turn.usage),
    ...ragspaceExtras(turn),
  };
}

/** One chat.completion.chunk; `usage: null` on every chunk when the client asked for a usage chunk at the end. */
export function completionChunk(
  identity: CompletionIdentity,
  delta: { role?: 'assistant'; content?: string },
  options: { finishReason?: 'stop'; includeUsage: boolean; extras?: object },
) {
  return {
    ...identity,
    object: 'chat.completion.chunk' as const,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: options.finishReason ?? null }],
    ...(options.includeUsage ? { usage: null } : {}),
    ...options.extras,
  };
}

/** The last chunk of a stream with stream_options.include_usage: no choices, the turn's usage. */
export function usageChunk(identity: CompletionIdentity, usage: TokenUsage) {
  return { ...identity, object: 'chat.completion.chunk' as const, choices: [], usage: usageToOpenAi(usage) };
}

function errorType(statusCode: number): string {
  if (statusCode === 401) return 'authentication_error';
  if (statusCode === 403) return 'permission_error';
  if (statusCode === 429) return 'rate_limit_error';
  if (statusCode >= 500) return 'server_error';
  return 'invalid_request_error';
}

/** The parameter a validation error is about, as OpenAI names it ("messages.0"), when known. */
function paramOf(error: RagspaceError): string | null {
  const [first] = Array.isArray(error.details) ? (error.details as Array<{ path?: unknown }>) : [];
  return typeof first?.path === 'string' ? first.path.replace(/^body\./, '') : null;
}

export function openAiErrorBody(error: RagspaceError): OpenAiErrorBody {
  return { error: { message: error.message, type: errorType(error.statusCode), param: paramOf(error), code: error.code } };
}
