// Chat and session shapes. Field names follow the chat contract: snake_case.
import { z } from 'zod';
import { chatRequestSchema } from '../../agent/chat-request.ts';
import { customerIdSchema as workspaceCustomerIdSchema } from '../../tenancy/workspace-context.ts';

const customerIdSchema = workspaceCustomerIdSchema.describe('Your end customer, for usage accounting');

/** The chat service's request in the wire's snake_case, plus how to answer and for whom. */
export const chatBodySchema = z.strictObject({
  message: chatRequestSchema.shape.message,
  agent_id: chatRequestSchema.shape.agentId,
  session_id: chatRequestSchema.shape.sessionId,
  stream: z.boolean().optional().describe('Answer as Server-Sent Events (also with Accept: text/event-stream)'),
  customer_id: customerIdSchema.optional(),
});

export const citationSchema = z
  .object({
    number: z.number().int(),
    chunk_id: z.uuid(),
    document_id: z.uuid(),
    title: z.string(),
    source: z.string(),
    heading_path: z.array(z.string()),
  })
  .meta({ id: 'Citation' });

export const toolCallSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    arguments: z.record(z.string(), z.unknown()),
    summary: z.string(),
    error: z.string().optional(),
  })
  .meta({ id: 'ToolCall' });

const usageSchema = z
  .object({ input_tokens: z.number().int(), output_tokens: z.number().int(), total_tokens: z.number().int() })
  .meta({ id: 'TokenUsage' });

export const chatResponseSchema = z
  .object({
    session_id: z.uuid(),
    agent_id: z.uuid(),
    message: z.string().describe("The assistant's answer"),
    citations: z.array(citationSchema),
    tool_calls: z.array(toolCallSchema),
    usage: usageSchema,
    model: z.string().describe('Which model answered ("extractive" for the offline answerer)'),
  })
  .meta({ id: 'ChatResponse' });

export const sessionSchema = z
  .object({
    id: z.uuid(),
    agent_id: z.uuid().nullable(),
    customer_id: z.string().nullable(),
    title: z.string().nullable(),
    created_at: z.date(),
    updated_at: z.date(),
  })
  .meta({ id: 'Session' });

export const sessionMessageSchema = z
  .object({
    id: z.uuid(),
    sequence: z.number().int(),
    role: z.enum(['user', 'assistant']),
    content: z.string(),
    tool_calls: z.array(toolCallSchema),
    citations: z.array(citationSchema),
    usage: usageSchema.nullable(),
    model: z.string().nullable(),
    status: z.enum(['complete', 'interrupted', 'failed']),
    error: z.string().nullable(),
    created_at: z.date(),
  })
  .meta({ id: 'SessionMessage' });

export const sessionParamsSchema = z.object({ id: z.uuid(), sessionId: z.uuid() });
