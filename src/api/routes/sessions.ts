// /workspaces/:id/sessions: chat histories, per workspace.
import { deleteSession, getSession, getSessionMessages, listSessions } from '../../agent/sessions.ts';
import { access } from '../access.ts';
import { messageToWire, sessionToWire } from '../chat-wire-format.ts';
import { workspaceContextOf } from '../plugins/authentication.ts';
import type { RouteModule } from '../route-module.ts';
import { sessionMessageSchema, sessionParamsSchema, sessionSchema } from '../schemas/chat.ts';
import { idParamsSchema, noContentSchema, pageQuerySchema, pageSchema } from '../schemas/common.ts';
import { z } from 'zod';

const tags = ['sessions'];

export const sessionRoutes: RouteModule = async (app, { runtime }) => {
  const { database } = runtime;

  app.get('/workspaces/:id/sessions', {
    config: { access: access.workspace('chat') },
    schema: { tags, summary: 'List chat sessions, oldest first', params: idParamsSchema, querystring: pageQuerySchema, response: { 200: pageSchema(sessionSchema) } },
    handler: async (request) => {
      const page = await listSessions(database, workspaceContextOf(request), request.query);
      return { items: page.items.map(sessionToWire), nextCursor: page.nextCursor };
    },
  });

  app.get('/workspaces/:id/sessions/:sessionId', {
    config: { access: access.workspace('chat') },
    schema: {
      tags,
      summary: 'A session with its messages',
      params: sessionParamsSchema,
      response: { 200: sessionSchema.extend({ messages: z.array(sessionMessageSchema) }) },
    },
    handler: async (request) => {
      const context = workspaceContextOf(request);
      const session = await getSession(database, context, request.params.sessionId);
      const messages = await getSessionMessages(database, context, session.id);
      return { ...sessionToWire(session), messages: messages.map(messageToWire) };
    },
  });

  app.delete('/workspaces/:id/sessions/:sessionId', {
    config: { access: access.workspace('chat') },
    schema: { tags, summary: 'Delete a session and its messages', params: sessionParamsSchema, response: { 204: noContentSchema } },
    handler: async (request, reply) => {
      await deleteSession(database, workspaceContextOf(request), request.params.sessionId);
      return reply.code(204).send();
    },
  });
};
