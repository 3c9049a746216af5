// The audit trail: an organization's security events for its admins (and the platform admin), and
// the whole deployment's (including failed authentications no organization owns) for the platform admin.
import { listAuditEventsPage } from '../../tenancy/audit.ts';
import { access } from '../access.ts';
import type { RouteModule } from '../route-module.ts';
import { idParamsSchema, pageSchema } from '../schemas/common.ts';
import { auditEventSchema, auditListQuerySchema } from '../schemas/administration.ts';

const tags = ['audit'];
const description =
  'Oldest first, paginated with limit and cursor; from/to (ISO 8601) and action narrow it. Events: keys created and revoked, failed authentications, plan, status and limit changes, workspace deletion, sign-up.';

export const auditRoutes: RouteModule = async (app, { runtime }) => {
  const { database } = runtime;

  app.get('/organizations/:id/audit', {
    config: { access: access.organization() },
    schema: {
      tags,
      summary: "An organization's audit trail (its admins and the platform admin)",
      description,
      params: idParamsSchema,
      querystring: auditListQuerySchema,
      response: { 200: pageSchema(auditEventSchema) },
    },
    handler: async (request) => {
      const { limit, cursor, ...filters } = request.query;
      return listAuditEventsPage(database, request.params.id, filters, { limit, cursor });
    },
  });

  app.get('/audit', {
    config: { access: access.platformAdmin() },
    schema: {
      tags,
      summary: "The whole deployment's audit trail (platform admin), including failed authentications with unknown keys",
      description,
      querystring: auditListQuerySchema,
      response: { 200: pageSchema(auditEventSchema) },
    },
    handler: async (request) => {
      const { limit, cursor, ...filters } = request.query;
      return listAuditEventsPage(database, null, filters, { limit, cursor });
    },
  });
};
