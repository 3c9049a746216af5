// What the platform admin does to a tenant without deleting it: move an organization to another
// plan, override a workspace's limits, suspend and reactivate an organization or a workspace.
// A suspended tenant's keys get 403 on every route (plugins/limits.ts); its data is kept.
import { changeWorkspaceLimitOverrides, setOrganizationPlan } from '../../tenancy/plans.ts';
import { setOrganizationStatus, setWorkspaceStatus } from '../../tenancy/tenant-status.ts';
import { access } from '../access.ts';
import { auditActorOf } from '../plugins/authentication.ts';
import type { RouteModule } from '../route-module.ts';
import { idParamsSchema } from '../schemas/common.ts';
import { limitOverridesBodySchema, setPlanBodySchema, statusChangeBodySchema } from '../schemas/administration.ts';
import { organizationSchema, workspaceSchema } from '../schemas/tenancy.ts';

export const tenantAdministrationRoutes: RouteModule = async (app, { runtime }) => {
  const { database } = runtime;
  // Each of these changes what the limits plugin enforces; it forgets what it had read.
  const platformAdmin = { access: access.platformAdmin(), changesTenantStanding: true };
  const platformAdminOverWorkspace = { access: access.platformAdmin('workspace'), changesTenantStanding: true };

  app.put('/organizations/:id/plan', {
    config: platformAdmin,
    schema: {
      tags: ['organizations'],
      summary: "Move an organization to another plan (platform admin); its workspaces' overrides stay",
      params: idParamsSchema,
      body: setPlanBodySchema,
      response: { 200: organizationSchema },
    },
    handler: async (request) => setOrganizationPlan(database, request.params.id, request.body.planId, auditActorOf(request)),
  });

  for (const [action, status] of [['suspend', 'suspended'], ['reactivate', 'active']] as const) {
    app.post(`/organizations/:id/${action}`, {
      config: platformAdmin,
      schema: {
        tags: ['organizations'],
        summary:
          action === 'suspend'
            ? 'Suspend an organization (platform admin): its keys get 403 organization_suspended on every route; nothing is deleted'
            : 'Reactivate a suspended organization (platform admin)',
        params: idParamsSchema,
        // No body at all is fine: the reason is optional.
        body: statusChangeBodySchema.nullish(),
        response: { 200: organizationSchema },
      },
      handler: async (request) => setOrganizationStatus(database, request.params.id, status, request.body ?? {}, auditActorOf(request)),
    });

    app.post(`/workspaces/:id/${action}`, {
      config: platformAdminOverWorkspace,
      schema: {
        tags: ['workspaces'],
        summary:
          action === 'suspend'
            ? 'Suspend a workspace (platform admin): its keys get 403 workspace_suspended on every route; nothing is deleted'
            : 'Reactivate a suspended workspace (platform admin)',
        params: idParamsSchema,
        // No body at all is fine: the reason is optional.
        body: statusChangeBodySchema.nullish(),
        response: { 200: workspaceSchema },
      },
      handler: async (request) => setWorkspaceStatus(database, request.params.id, status, request.body ?? {}, auditActorOf(request)),
    });
  }

  app.put('/workspaces/:id/limits', {
    config: platformAdminOverWorkspace,
    schema: {
      tags: ['workspaces'],
      summary: "Set a workspace's limit overrides (platform admin); a limit not named follows the organization's plan",
      params: idParamsSchema,
      body: limitOverridesBodySchema,
      response: { 200: workspaceSchema },
    },
    handler: async (request) => changeWorkspaceLimitOverrides(database, request.params.id, { replace: request.body }, auditActorOf(request)),
  });
};
