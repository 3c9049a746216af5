// /plans: the limits organizations are sold (platform admin). Changing a plan changes the limits
// of every organization on it at once; every change is audited.
import { createPlan, deletePlan, getPlan, listPlans, updatePlan } from '../../tenancy/plans.ts';
import { access } from '../access.ts';
import { auditActorOf } from '../plugins/authentication.ts';
import type { RouteModule } from '../route-module.ts';
import { noContentSchema } from '../schemas/common.ts';
import { createPlanBodySchema, planParamsSchema, planSchema, updatePlanBodySchema } from '../schemas/administration.ts';
import { z } from 'zod';

const tags = ['plans'];

export const planRoutes: RouteModule = async (app, { runtime }) => {
  const { database } = runtime;

  app.get('/plans', {
    config: { access: access.platformAdmin() },
    schema: { tags, summary: 'List plans (platform admin)', response: { 200: z.object({ items: z.array(planSchema) }) } },
    handler: async () => ({ items: await listPlans(database) }),
  });

  app.get('/plans/:planId', {
    config: { access: access.platformAdmin() },
    schema: { tags, summary: 'Get a plan (platform admin)', params: planParamsSchema, response: { 200: planSchema } },
    handler: async (request) => getPlan(database, request.params.planId),
  });

  app.post('/plans', {
    config: { access: access.platformAdmin() },
    schema: {
      tags,
      summary: 'Create a plan (platform admin)',
      description: 'Every limit must be given: a whole number, or null for unlimited. 409 when the id is taken.',
      body: createPlanBodySchema,
      response: { 201: planSchema },
    },
    handler: async (request, reply) => reply.code(201).send(await createPlan(database, request.body, auditActorOf(request))),
  });

  app.patch('/plans/:planId', {
    config: { access: access.platformAdmin(), changesTenantStanding: true },
    schema: {
      tags,
      summary: "Change a plan's name, limits (only those given) or make it the default (platform admin)",
      params: planParamsSchema,
      body: updatePlanBodySchema,
      response: { 200: planSchema },
    },
    handler: async (request) => updatePlan(database, request.params.planId, request.body, auditActorOf(request)),
  });

  app.delete('/plans/:planId', {
    config: { access: access.platformAdmin() },
    schema: {
      tags,
      summary: 'Delete a plan that no organization uses and that is not the default (platform admin; 409 otherwise)',
      params: planParamsSchema,
      response: { 204: noContentSchema },
    },
    handler: async (request, reply) => {
      await deletePlan(database, request.params.planId, auditActorOf(request));
      return reply.code(204).send();
    },
  });
};
