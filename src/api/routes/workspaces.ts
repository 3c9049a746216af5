// /workspaces/:id: read, update, and delete (irreversible, admin scope, ?confirm=<slug>).
import { confirmationMismatch } from '../../errors.ts';
import { deleteWorkspace, getWorkspace, updateWorkspace } from '../../tenancy/workspaces.ts';
import { access } from '../access.ts';
import { auditActorOf, workspaceContextOf } from '../plugins/authentication.ts';
import type { RouteModule } from '../route-module.ts';
import { idParamsSchema, noContentSchema } from '../schemas/common.ts';
import { deleteWorkspaceQuerySchema, updateWorkspaceBodySchema, workspaceSchema } from '../schemas/tenancy.ts';

const tags = ['workspaces'];

export const workspaceRoutes: RouteModule = async (app, { runtime }) => {
  const { database } = runtime;

  app.get('/workspaces/:id', {
    config: { access: access.workspace() },
    schema: { tags, summary: 'Get a workspace (any key of it)', params: idParamsSchema, response: { 200: workspaceSchema } },
    handler: async (request) => getWorkspace(database, workspaceContextOf(request).workspaceId),
  });

  app.patch('/workspaces/:id', {
    config: { access: access.workspace('admin') },
    schema: {
      tags,
      summary: "Update a workspace's name, slug or settings (admin)",
      params: idParamsSchema,
      body: updateWorkspaceBodySchema,
      response: { 200: workspaceSchema },
    },
    handler: async (request) => updateWorkspace(database, workspaceContextOf(request).workspaceId, request.body),
  });

  app.delete('/workspaces/:id', {
    config: { access: access.workspace('admin'), revokesCredentials: true },
    schema: {
      tags,
      summary: 'Delete a workspace and all its documents, chunks, graph, agents, sessions, keys and ingestion jobs (admin; irreversible)',
      description: 'Pass the workspace slug as `confirm`; a different value answers 422 confirmation_mismatch.',
      params: idParamsSchema,
      querystring: deleteWorkspaceQuerySchema,
      response: { 204: noContentSchema },
    },
    handler: async (request, reply) => {
      const context = workspaceContextOf(request);
      const workspace = await getWorkspace(database, context.workspaceId);
      if (workspace.slug !== request.query.confirm) {
        throw confirmationMismatch(`Deleting a workspace is irreversible: confirm with the workspace's slug (confirm=${workspace.slug})`);
      }
      // The postgres graph lives in tenant tables that cascade with the workspace row; another
      // backend (Neo4j) keeps the group elsewhere, so the whole group is removed first.
      if (runtime.graphStore.backend !== 'postgres') await runtime.graphStore.clearWorkspaceGraph(context);
      // Checked again inside the deleting transaction, in case the slug changed meanwhile. Its
      // ingestion jobs go with it (a running one finds its lease gone and records nothing).
      await deleteWorkspace(database, context.workspaceId, { confirmSlug: request.query.confirm, actor: auditActorOf(request) });
      return reply.code(204).send();
    },
  });
};
