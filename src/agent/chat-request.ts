// One chat turn's request, defined once: runChatTurn parses it (the CLI's messages too), and the
// HTTP body (snake_case, plus stream and customer_id) is built from the same field schemas.
import { z } from 'zod';
import { wellFormedString } from '../well-formed-text.ts';

export const maximumChatMessageLength = 20_000;
/** Client-supplied history beyond this many messages is refused (the token budget keeps far fewer). */
export const maximumHistoryMessages = 1000;

export const chatRequestSchema = z.strictObject({
  message: wellFormedString().trim().min(1, 'must not be empty').max(maximumChatMessageLength).describe('The user message'),
  agentId: z.string().min(1).max(200).optional().describe("Agent id or slug (default: the workspace's default agent)"),
  sessionId: z.uuid().optional().describe('Continue this session (default: start a new one)'),
  /**
   * The conversation before `message` as the client keeps it (the OpenAI-compatible API, where the
   * client sends the messages): the model reads it instead of the session's stored history, trimmed
   * to CHAT_HISTORY_TOKEN_BUDGET like that. The session still records this turn.
   */
  history: z
    .array(z.strictObject({ role: z.enum(['user', 'assistant']), content: wellFormedString() }))
    .max(maximumHistoryMessages)
    .optional()
    .describe('The earlier messages of the conversation, oldest first, when the client keeps it'),
});

export type ChatRequest = z.input<typeof chatRequestSchema>;
