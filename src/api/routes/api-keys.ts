// /workspaces/:id/api-keys: a workspace's keys (admin scope). The secret appears once, in the POST response.
import { createApiKey, listApiKeysPage, revokeApiKey } from '../../tenancy/api-keys.ts';
import { access } from '../access.ts';
import { auditActorOf, workspaceContextOf } from '../plugins/authentication.ts';
import type { RouteModule } from '../route-module.ts';
import { idParamsSchema, pageQuerySchema, pageSchema } from '../schemas/common.ts';
import { apiKeySchema, createApiKeyBodySchema, createdApiKeySchema, keyParamsSchema } from '../schemas/tenancy.ts';

const tags = ['api keys'];

export const apiKeyRoutes: RouteModule = async (app, { runtime }) => {
  const { database, keyPepper } = runtime;

  app.get('/workspaces/:id/api-keys', {
    config: { access: access.workspace('admin') },
    schema: {
      tags,
      summary: "List a workspace's keys (never their secrets)",
      params: idParamsSchema,
      querystring: pageQuerySchema,
      response: { 200: pageSchema(apiKeySchema) },
    },
    handler: async (request) => listApiKeysPage(database, workspaceContextOf(request), request.query),
  });

  app.post('/workspaces/:id/api-keys', {
    config: { access: access.workspace('admin') },
    schema: {
      tags,
      summary: 'Create a workspace key; the secret is in this response only',
      params: idParamsSchema,
      body: createApiKeyBodySchema,
      response: { 201: createdApiKeySchema },
    },
    handler: async (request, reply) =>
      reply.code(201).send(await createApiKey(database, keyPepper, workspaceContextOf(request), request.body, auditActorOf(request))),
  });

  app.delete('/workspaces/:id/api-keys/:keyId', {
    config: { access: access.workspace('admin'), revokesCredentials: true },
    schema: {
      tags,
      summary: 'Revoke a key by id or prefix; it stops working on the next request, in every server process',
      params: keyParamsSchema,
      response: { 200: apiKeySchema },
    },
    handler: async (request) => revokeApiKey(database, workspaceContextOf(request), request.params.keyId, auditActorOf(request)),
  });
};
