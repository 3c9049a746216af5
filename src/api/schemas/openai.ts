// The OpenAI-compatible API's shapes (/v1/chat/completions, /v1/models), as OpenAI's clients send
// and read them. Parameters OpenAI defines that an agent does not take (temperature, max_tokens,
// seed…) are accepted and ignored: the agent's own settings apply, as on /workspaces/:id/chat.
import { z } from 'zod';
import { customerIdSchema } from '../../tenancy/workspace-context.ts';
import { citationSchema, toolCallSchema } from './chat.ts';

/** A message's content: text, or content parts of which only text parts are understood. */
const contentSchema = z.union([
  z.string(),
  z.array(z.looseObject({ type: z.string().max(100), text: z.string().optional() })).max(1000),
]);

const messageSchema = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
  content: contentSchema.nullable().optional(),
  name: z.string().max(200).optional(),
});

export type ChatCompletionMessage = z.infer<typeof messageSchema>;

const unsupportedTools = 'ragspace agents search with their own tools; client-side tools are not supported';

export const chatCompletionBodySchema = z.looseObject({
  model: z.string().trim().min(1).max(200).describe("An agent of the key's workspace, by slug or id (see GET /v1/models)"),
  messages: z
    .array(messageSchema)
    .min(1)
    .max(1000)
    .describe("The conversation; the last message is the user's question. System messages are ignored: the agent's prompt applies"),
  stream: z.boolean().nullable().optional().describe('true: answer as chat.completion.chunk Server-Sent Events ending in data: [DONE]'),
  stream_options: z
    .looseObject({ include_usage: z.boolean().optional().describe('Send a last chunk with the usage') })
    .nullable()
    .optional(),
  user: customerIdSchema.optional().describe('Your end user, for usage accounting (like X-Customer-Id)'),
  ragspace_session_id: z.uuid().optional().describe('Also store the turn in this ragspace session (or send X-Session-Id)'),
  n: z.literal(1).nullable().optional().describe('Only one choice is generated'),
  tools: z.array(z.unknown()).max(0, unsupportedTools).optional(),
  functions: z.array(z.unknown()).max(0, unsupportedTools).optional(),
});

export type ChatCompletionBody = z.infer<typeof chatCompletionBodySchema>;

const usageSchema = z.object({
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
});

/** What ragspace adds to an OpenAI answer; OpenAI's clients ignore it. */
const ragspaceExtraSchema = z.object({
  session_id: z.uuid().describe('The ragspace session that stores this turn'),
  agent_id: z.uuid(),
  model: z.string().describe('The model the agent answered with ("extractive" for the offline answerer)'),
  tool_calls: z.array(toolCallSchema).describe('The tools the agent ran (not tool calls for the client)'),
});

export const chatCompletionSchema = z
  .object({
    id: z.string(),
    object: z.literal('chat.completion'),
    created: z.number().int(),
    model: z.string(),
    choices: z.array(
      z.object({
        index: z.number().int(),
        message: z.object({ role: z.literal('assistant'), content: z.string(), refusal: z.null() }),
        logprobs: z.null(),
        finish_reason: z.literal('stop'),
      }),
    ),
    usage: usageSchema,
    citations: z.array(citationSchema).describe('The passages the answer cites as [n]'),
    ragspace: ragspaceExtraSchema,
  })
  .meta({ id: 'ChatCompletion' });

export const modelListSchema = z
  .object({
    object: z.literal('list'),
    data: z.array(
      z.object({
        id: z.string().describe("The agent's slug"),
        object: z.literal('model'),
        created: z.number().int(),
        owned_by: z.string(),
        ragspace: z.object({ agent_id: z.uuid(), name: z.string(), model: z.string(), is_default: z.boolean() }),
      }),
    ),
  })
  .meta({ id: 'ModelList' });

export const openAiErrorSchema = z
  .object({
    error: z.object({
      message: z.string(),
      type: z.string().describe('invalid_request_error, authentication_error, permission_error, rate_limit_error or server_error'),
      param: z.string().nullable(),
      code: z.string().nullable().describe("ragspace's machine-readable code (e.g. model_not_found, insufficient_scope)"),
    }),
  })
  .meta({ id: 'OpenAIError' });

export type OpenAiErrorBody = z.infer<typeof openAiErrorSchema>;
