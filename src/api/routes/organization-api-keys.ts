// /organizations/:id/api-keys: organization admin keys. Only the platform admin creates them; the
// organization's admins may list and revoke them (e.g. to rotate). The secret appears once, in the POST response.
import {
  createOrganizationApiKey,
  listOrganizationApiKeysPage,
  revokeOrganizationApiKey,
} from '../../tenancy/organization-keys.ts';
import { access } from '../access.ts';
import { auditActorOf } from '../plugins/authentication.ts';
import type { RouteModule } from '../route-module.ts';
import { idParamsSchema, pageQuerySchema, pageSchema } from '../schemas/common.ts';
import {
  createdOrganizationApiKeySchema,
  createOrganizationApiKeyBodySchema,
  keyParamsSchema,
  organizationApiKeySchema,
} from '../schemas/tenancy.ts';

const tags = ['organization keys'];

export const organizationApiKeyRoutes: RouteModule = async (app, { runtime }) => {
  const { database, keyPepper } = runtime;

  app.post('/organizations/:id/api-keys', {
    config: { access: access.platformAdmin() },
    schema: {
      tags,
      summary: 'Create an organization admin key (platform admin); the secret is in this response only',
      params: idParamsSchema,
      body: createOrganizationApiKeyBodySchema,
      response: { 201: createdOrganizationApiKeySchema },
    },
    handler: async (request, reply) =>
      reply.code(201).send(await createOrganizationApiKey(database, keyPepper, request.params.id, request.body, auditActorOf(request))),
  });

  app.get('/organizations/:id/api-keys', {
    config: { access: access.organization() },
    schema: {
      tags,
      summary: "List an organization's admin keys (never their secrets)",
      params: idParamsSchema,
      querystring: pageQuerySchema,
      response: { 200: pageSchema(organizationApiKeySchema) },
    },
    handler: async (request) => listOrganizationApiKeysPage(database, request.params.id, request.query),
  });

  app.delete('/organizations/:id/api-keys/:keyId', {
    config: { access: access.organization(), revokesCredentials: true },
    schema: {
      tags,
      summary: 'Revoke an organization admin key; it stops working on the next request',
      params: keyParamsSchema,
      response: { 200: organizationApiKeySchema },
    },
    handler: async (request) => revokeOrganizationApiKey(database, request.params.id, request.params.keyId, auditActorOf(request)),
  });
};
