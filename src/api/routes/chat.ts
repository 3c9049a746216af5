// POST /workspaces/:id/chat: one turn with the workspace's agent, as JSON or as Server-Sent Events.
import type { ChatDependencies } from '../../agent/chat-service.ts';
import { RagspaceError } from '../../errors.ts';
import { withCustomer } from '../../tenancy/workspace-context.ts';
import { access } from '../access.ts';
import { citationToWire, chatTurnToWire, usageToWire } from '../chat-wire-format.ts';
import { loadChatService } from '../load-chat-service.ts';
import { workspaceContextOf } from '../plugins/authentication.ts';
import { errorBody } from '../plugins/errors.ts';
import type { RouteModule } from '../route-module.ts';
import { chatBodySchema, chatResponseSchema } from '../schemas/chat.ts';
import { idParamsSchema } from '../schemas/common.ts';
import { openEventStream, wantsEventStream, type EventStream } from '../server-sent-events.ts';


export const chatRoutes: RouteModule = async (app, { runtime }) => {
  const dependencies: ChatDependencies = {
    config: runtime.config,
    database: runtime.database,
    embedder: runtime.embedder,
    graphStore: runtime.graphStore,
  };

  app.post('/workspaces/:id/chat', {
    config: { access: access.workspace('chat') },
    schema: {
      tags: ['chat'],
      summary: "Ask the workspace's agent",
      description:
        'Answers from this workspace\'s documents and graph, with citations. With `stream: true` or `Accept: text/event-stream` the answer arrives as Server-Sent Events: session, token, tool_call, tool_result, citations, usage, done (or error).',
      params: idParamsSchema,
      body: chatBodySchema,
      response: { 200: chatResponseSchema },
    },
    handler: async (request, reply) => {
      const body = request.body;
      const baseContext = workspaceContextOf(request);
      const context = body.customer_id === undefined ? baseContext : withCustomer(baseContext, body.customer_id);
      const chatRequest = { message: body.message, agentId: body.agent_id, sessionId: body.session_id };
      const { runChatTurn } = await loadChatService();

      if (!wantsEventStream(request, body.stream)) {
        return chatTurnToWire(await runChatTurn(dependencies, context, chatRequest));
      }

      // The stream opens once the session is known, so a bad agent or session id is still a plain 404.
      const abort = new AbortController();
      let stream: EventStream | undefined;
      try {
        const turn = await runChatTurn(dependencies, context, chatRequest, {
          signal: abort.signal,
          onSession: (session) => {
            stream = openEventStream(request, reply, () => abort.abort());
            stream.send('session', { session_id: session.id });
          },
          emit: (event) => {
            if (event.type === 'token') stream?.send('token', { text: event.text });
            else if (event.type === 'tool_call') stream?.send('tool_call', { id: event.id, name: event.name, arguments: event.arguments });
            else stream?.send('tool_result', { id: event.id, name: event.name, summary: event.summary, ...(event.error ? { error: event.error } : {}) });
          },
        });
        stream?.send('citations', { citations: turn.citations.map(citationToWire) });
        stream?.send('usage', { ...usageToWire(turn.usage), model: turn.model });
        stream?.send('done', { session_id: turn.sessionId, message: turn.answer });
        stream?.end();
      } catch (error) {
        if (!stream) throw error;
        if (!abort.signal.aborted) {
          const known = error instanceof RagspaceError ? error : undefined;
          if (!known) request.log.error({ err: error, requestId: request.id }, 'chat stream failed');
          stream.send('error', known ? errorBody(known).error : { code: 'internal_error', message: `Internal server error; quote request id ${request.id}` });
        }
        stream.end();
      }
      return reply;
    },
  });
};
