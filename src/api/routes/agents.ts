// /workspaces/:id/agents: a workspace's assistant configurations. Reading needs chat (or admin);
// changing needs admin.
import { createAgent, deleteAgent, getAgent, listAgentsPage, updateAgent } from '../../tenancy/agents.ts';
import { resourceQuotaGuard } from '../../tenancy/quotas.ts';
import { access } from '../access.ts';
import { workspaceContextOf } from '../plugins/authentication.ts';
import { quotasApply } from '../plugins/metering.ts';
import type { RouteModule } from '../route-module.ts';
import { idParamsSchema, noContentSchema, pageQuerySchema, pageSchema } from '../schemas/common.ts';
import { agentParamsSchema, agentSchema, createAgentBodySchema, updateAgentBodySchema } from '../schemas/tenancy.ts';

const tags = ['agents'];

export const agentRoutes: RouteModule = async (app, { runtime, metering }) => {
  const { database } = runtime;

  app.get('/workspaces/:id/agents', {
    config: { access: access.workspace('chat') },
    schema: {
      tags,
      summary: "List a workspace's agents",
      params: idParamsSchema,
      querystring: pageQuerySchema,
      response: { 200: pageSchema(agentSchema) },
    },
    handler: async (request) => listAgentsPage(database, workspaceContextOf(request), request.query),
  });

  app.post('/workspaces/:id/agents', {
    config: { access: access.workspace('admin') },
    schema: {
      tags,
      summary: 'Create an agent (admin)',
      params: idParamsSchema,
      body: createAgentBodySchema,
      response: { 201: agentSchema },
    },
    handler: async (request, reply) => {
      const guard = quotasApply(metering, request) ? resourceQuotaGuard('agents') : undefined;
      return reply.code(201).send(await createAgent(database, workspaceContextOf(request), request.body, { guard }));
    },
  });

  app.get('/workspaces/:id/agents/:agentId', {
    config: { access: access.workspace('chat') },
    schema: { tags, summary: 'Get an agent by id or slug', params: agentParamsSchema, response: { 200: agentSchema } },
    handler: async (request) => getAgent(database, workspaceContextOf(request), request.params.agentId),
  });

  app.patch('/workspaces/:id/agents/:agentId', {
    config: { access: access.workspace('admin') },
    schema: {
      tags,
      summary: 'Update an agent (admin)',
      params: agentParamsSchema,
      body: updateAgentBodySchema,
      response: { 200: agentSchema },
    },
    handler: async (request) => updateAgent(database, workspaceContextOf(request), request.params.agentId, request.body),
  });

  app.delete('/workspaces/:id/agents/:agentId', {
    config: { access: access.workspace('admin') },
    schema: { tags, summary: 'Delete an agent (admin)', params: agentParamsSchema, response: { 204: noContentSchema } },
    handler: async (request, reply) => {
      await deleteAgent(database, workspaceContextOf(request), request.params.agentId);
      return reply.code(204).send();
    },
  });
};
