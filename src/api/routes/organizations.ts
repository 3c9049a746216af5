// /organizations: create and list (platform admin), read and update (also the organization's admins),
// and the organization's workspaces.
import {
  createOrganization,
  deleteOrganization,
  getOrganization,
  listOrganizationsPage,
  updateOrganization,
} from '../../tenancy/organizations.ts';
import { createWorkspace, listWorkspacesPage } from '../../tenancy/workspaces.ts';
import { access } from '../access.ts';
import type { RouteModule } from '../route-module.ts';
import { idParamsSchema, noContentSchema, pageQuerySchema, pageSchema } from '../schemas/common.ts';
import {
  createOrganizationBodySchema,
  createWorkspaceBodySchema,
  organizationSchema,
  updateOrganizationBodySchema,
  workspaceSchema,
} from '../schemas/tenancy.ts';

const tags = ['organizations'];

export const organizationRoutes: RouteModule = async (app, { runtime }) => {
  const { database } = runtime;

  app.post('/organizations', {
    config: { access: access.platformAdmin() },
    schema: {
      tags,
      summary: 'Create an organization (platform admin)',
      body: createOrganizationBodySchema,
      response: { 201: organizationSchema },
    },
    handler: async (request, reply) => reply.code(201).send(await createOrganization(database, request.body)),
  });

  app.get('/organizations', {
    config: { access: access.platformAdmin() },
    schema: {
      tags,
      summary: 'List organizations (platform admin)',
      querystring: pageQuerySchema,
      response: { 200: pageSchema(organizationSchema) },
    },
    handler: async (request) => listOrganizationsPage(database, request.query),
  });

  app.get('/organizations/:id', {
    config: { access: access.organization() },
    schema: { tags, summary: 'Get an organization', params: idParamsSchema, response: { 200: organizationSchema } },
    handler: async (request) => getOrganization(database, request.params.id),
  });

  app.patch('/organizations/:id', {
    config: { access: access.organization() },
    schema: {
      tags,
      summary: 'Rename an organization or change its slug',
      params: idParamsSchema,
      body: updateOrganizationBodySchema,
      response: { 200: organizationSchema },
    },
    handler: async (request) => updateOrganization(database, request.params.id, request.body),
  });

  app.delete('/organizations/:id', {
    config: { access: access.platformAdmin(), revokesCredentials: true },
    schema: {
      tags,
      summary: 'Delete an organization that has no workspaces left (platform admin)',
      params: idParamsSchema,
      response: { 204: noContentSchema },
    },
    handler: async (request, reply) => {
      await deleteOrganization(database, request.params.id);
      return reply.code(204).send();
    },
  });

  app.get('/organizations/:id/workspaces', {
    config: { access: access.organization() },
    schema: {
      tags,
      summary: "List an organization's workspaces",
      params: idParamsSchema,
      querystring: pageQuerySchema,
      response: { 200: pageSchema(workspaceSchema) },
    },
    handler: async (request) => listWorkspacesPage(database, request.params.id, request.query),
  });

  app.post('/organizations/:id/workspaces', {
    config: { access: access.organization() },
    schema: {
      tags,
      summary: 'Create a workspace (with a default agent) in an organization',
      params: idParamsSchema,
      body: createWorkspaceBodySchema,
      response: { 201: workspaceSchema },
    },
    handler: async (request, reply) => {
      const workspace = await createWorkspace(database, { ...request.body, organization: request.params.id });
      return reply.code(201).send(workspace);
    },
  });
};
