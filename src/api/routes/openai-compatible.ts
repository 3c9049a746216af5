// The OpenAI-compatible API, for the chat front ends and SDKs that speak OpenAI's: GET /v1/models
// lists the key's workspace's agents, POST /v1/chat/completions runs a turn with one of them.
// The key fixes the workspace (there is none in the path); `model` names an agent. The turn is the
// same as on /workspaces/:id/chat (runChatTurn: tools, limits, quotas, usage, a session), with the
// conversation the client sends. Every error on /v1 is in OpenAI's shape, with ragspace's status.
import type { FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { agentModelName } from '../../agent/chat-model.ts';
import type { ChatDependencies, ChatRequest } from '../../agent/chat-service.ts';
import type { Database } from '../../db/database.ts';
import { isUuid } from '../../db/workspace-scope.ts';
import { modelNotFound, RagspaceError, routeNotFound, validationError } from '../../errors.ts';
import { getAgent, listAgents, type Agent } from '../../tenancy/agents.ts';
import { withCustomer, type WorkspaceContext } from '../../tenancy/workspace-context.ts';
import { access } from '../access.ts';
import {
  completionChunk,
  completionToWire,
  conversationOf,
  newCompletionIdentity,
  openAiErrorBody,
  ragspaceExtras,
  usageChunk,
} from '../openai-wire-format.ts';
import { workspaceContextOf } from '../plugins/authentication.ts';
import { loadChatService } from '../load-chat-service.ts';
import { clientErrorOf } from '../plugins/errors.ts';
import type { RouteModule } from '../route-module.ts';
import { chatCompletionBodySchema, chatCompletionSchema, modelListSchema, openAiErrorSchema, type ChatCompletionBody } from '../schemas/openai.ts';
import { openEventStream, type EventStream } from '../server-sent-events.ts';

const tags = ['openai-compatible'];
const errorResponses = { '4XX': openAiErrorSchema, '5XX': openAiErrorSchema };

/** The agent `model` names, or OpenAI's 404 model_not_found (also for another workspace's agent). */
async function agentNamed(database: Database, context: WorkspaceContext, model: string): Promise<Agent> {
  try {
    return await getAgent(database, context, model);
  } catch (error) {
    if (error instanceof RagspaceError && error.code === 'not_found') {
      throw modelNotFound(`The model "${model}" does not exist: models are this workspace's agents (GET /v1/models lists them)`);
    }
    throw error;
  }
}

/** ragspace_session_id in the body or X-Session-Id: the session that also stores this turn. */
function sessionIdOf(request: FastifyRequest, body: ChatCompletionBody): string | undefined {
  const header = request.headers['x-session-id'];
  if (header !== undefined && (typeof header !== 'string' || !isUuid(header))) {
    throw validationError('X-Session-Id must be a session id (a UUID)', [{ path: 'headers.x-session-id', message: 'must be a UUID' }]);
  }
  if (header !== undefined && body.ragspace_session_id !== undefined && header.toLowerCase() !== body.ragspace_session_id.toLowerCase()) {
    throw validationError('ragspace_session_id and X-Session-Id name different sessions; send one');
  }
  return body.ragspace_session_id ?? header;
}

export const openAiCompatibleRoutes: RouteModule = async (app, { runtime }) => {
  const { database, config } = runtime;
  const dependencies: ChatDependencies = { config, database, embedder: runtime.embedder, graphStore: runtime.graphStore };

  // A scope of its own (prefix /v1), so that its errors and unknown paths answer in OpenAI's shape.
  await app.register(
    async (instance) => {
      const v1 = instance.withTypeProvider<ZodTypeProvider>();
      v1.setErrorHandler((error, request, reply) => {
        const failure = clientErrorOf(error, request, config.bodyLimitBytes);
        return reply.code(failure.statusCode).send(openAiErrorBody(failure));
      });
      v1.setNotFoundHandler((request, reply) =>
        reply.code(404).send(openAiErrorBody(routeNotFound(`No route ${request.method} ${request.url.split('?')[0]}`))),
      );

      v1.get('/models', {
        config: { access: access.keyWorkspace('chat') },
        schema: {
          tags,
          summary: "The key's workspace's agents, as OpenAI models",
          description: 'Each agent is a model whose id is its slug (its UUID works as well). Needs a workspace key with the chat scope.',
          response: { 200: modelListSchema, ...errorResponses },
        },
        handler: async (request) => {
          const agents = await listAgents(database, workspaceContextOf(request));
          return {
            object: 'list' as const,
            data: agents.map((agent) => ({
              id: agent.slug,
              object: 'model' as const,
              created: Math.floor(new Date(agent.createdAt).getTime() / 1000),
              owned_by: 'ragspace',
              ragspace: { agent_id: agent.id, name: agent.name, model: agentModelName(config, agent), is_default: agent.isDefault },
            })),
          };
        },
      });

      v1.post('/chat/completions', {
        config: { access: access.keyWorkspace('chat') },
        schema: {
          tags,
          summary: 'Ask an agent, in OpenAI Chat Completions format',
          description: [
            "`model` names an agent of the key's workspace. The agent searches with its tools and answers exactly as",
            '/workspaces/{id}/chat does; the answer carries `usage`, and `citations` and `ragspace` (session, agent, model, tools) as',
            'extra fields. `stream: true` answers with chat.completion.chunk events ending in `data: [DONE]`',
            '(`stream_options.include_usage` adds a usage chunk). The client sends the conversation; each turn is also stored in a',
            'ragspace session (returned in X-Session-Id): a new one, or the one named by `ragspace_session_id` / X-Session-Id.',
          ].join(' '),
          body: chatCompletionBodySchema,
          response: { 200: chatCompletionSchema, ...errorResponses },
        },
        handler: async (request, reply) => {
          const body = request.body;
          const baseContext = workspaceContextOf(request);
          const context = body.user === undefined ? baseContext : withCustomer(baseContext, body.user);
          const { question, history } = conversationOf(body.messages);
          const sessionId = sessionIdOf(request, body);
          const agent = await agentNamed(database, context, body.model);
          const chatRequest: ChatRequest = { message: question, agentId: agent.id, sessionId, history };
          const identity = newCompletionIdentity(body.model);
          const { runChatTurn } = await loadChatService();

          if (body.stream !== true) {
            const turn = await runChatTurn(dependencies, context, chatRequest);
            reply.header('x-session-id', turn.sessionId);
            return completionToWire(identity, turn);
          }

          // As on /chat: the stream opens once the session is known, so a bad session id is still a plain 404.
          const includeUsage = body.stream_options?.include_usage === true;
          const abort = new AbortController();
          let stream: EventStream | undefined;
          try {
            const turn = await runChatTurn(dependencies, context, chatRequest, {
              signal: abort.signal,
              onSession: (session) => {
                reply.raw.setHeader('x-session-id', session.id);
                stream = openEventStream(request, reply, () => abort.abort());
                stream.sendData(completionChunk(identity, { role: 'assistant', content: '' }, { includeUsage }));
              },
              emit: (event) => {
                if (event.type === 'token') stream?.sendData(completionChunk(identity, { content: event.text }, { includeUsage }));
              },
            });
            stream?.sendData(completionChunk(identity, {}, { finishReason: 'stop', includeUsage, extras: ragspaceExtras(turn) }));
            if (includeUsage) stream?.sendData(usageChunk(identity, turn.usage));
            stream?.sendData('[DONE]');
            stream?.end();
          } catch (error) {
            if (!stream) throw error;
            // OpenAI's clients read an error event as a failed stream.
            if (!abort.signal.aborted) stream.sendData(openAiErrorBody(clientErrorOf(error, request, config.bodyLimitBytes)));
            stream.end();
          }
          return reply;
        },
      });
    },
    { prefix: '/v1' },
  );
};
