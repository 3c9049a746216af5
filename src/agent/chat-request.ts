// One chat turn's request, defined once: runChatTurn parses it (the CLI's messages too), and the
// HTTP body (snake_case, plus stream and customer_id) is built from the same field schemas.
import { z } from 'zod';
import { wellFormedString } from '../well-formed-text.ts';

export const maximumChatMessageLength = 20_000;

export const chatRequestSchema = z.strictObject({
  message: wellFormedString().trim().min(1, 'must not be empty').max(maximumChatMessageLength).describe('The user message'),
  agentId: z.string().min(1).max(200).optional().describe("Agent id or slug (default: the workspace's default agent)"),
  sessionId: z.uuid().optional().describe('Continue this session (default: start a new one)'),
});

export type ChatRequest = z.input<typeof chatRequestSchema>;
