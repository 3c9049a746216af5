// Reading usage and limits back: a workspace's and an organization's usage (JSON, or CSV with
// Accept: text/csv), a workspace's quotas, and an organization's monthly invoice.
import { getInvoice, getOrganizationUsage, getWorkspaceUsage, invoiceCsv, usageReportCsv } from '../../tenancy/usage-reports.ts';
import { readQuotaStatus } from '../../tenancy/quotas.ts';
import { access } from '../access.ts';
import { sendCsv, wantsCsv } from '../csv-response.ts';
import { workspaceContextOf } from '../plugins/authentication.ts';
import type { RouteModule } from '../route-module.ts';
import { idParamsSchema } from '../schemas/common.ts';
import {
  invoiceQuerySchema,
  invoiceSchema,
  organizationUsageQuerySchema,
  organizationUsageSchema,
  quotaSchema,
  workspaceUsageQuerySchema,
  workspaceUsageSchema,
} from '../schemas/usage.ts';

const tags = ['usage'];
const csvDescription = 'With `Accept: text/csv` the rows come as CSV (a header line, no totals).';

export const usageRoutes: RouteModule = async (app, { runtime, metering }) => {
  const { database } = runtime;

  app.get('/workspaces/:id/usage', {
    config: { access: access.workspace('admin') },
    schema: {
      tags,
      summary: "A workspace's usage and cost over a time range, by kind and optionally by day, customer, agent, API key or model",
      description: csvDescription,
      params: idParamsSchema,
      querystring: workspaceUsageQuerySchema,
      response: { 200: workspaceUsageSchema },
    },
    handler: async (request, reply) => {
      const report = await getWorkspaceUsage(database, workspaceContextOf(request), request.query, metering.clock());
      return wantsCsv(request) ? sendCsv(reply, usageReportCsv(report), 'usage.csv') : report;
    },
  });

  app.get('/organizations/:id/usage', {
    config: { access: access.organization() },
    schema: {
      tags,
      summary: "An organization's usage and cost across its workspaces (groupBy may also be workspace)",
      description: csvDescription,
      params: idParamsSchema,
      querystring: organizationUsageQuerySchema,
      response: { 200: organizationUsageSchema },
    },
    handler: async (request, reply) => {
      const report = await getOrganizationUsage(database, request.params.id, request.query, metering.clock());
      return wantsCsv(request) ? sendCsv(reply, usageReportCsv(report), 'usage.csv') : report;
    },
  });

  app.get('/workspaces/:id/quota', {
    config: { access: access.workspace() },
    schema: {
      tags,
      summary: "Every limit of the workspace's plan (with its overrides): the limit, what is used and left, and when it resets",
      params: idParamsSchema,
      response: { 200: quotaSchema },
    },
    handler: async (request) => {
      const context = workspaceContextOf(request);
      // This process's unreserved request units go back first, so that `used` counts requests, not reservations.
      await metering.requestQuota?.settle(context.workspaceId);
      return { quotas: await readQuotaStatus(database, context, metering.clock()) };
    },
  });

  app.get('/organizations/:id/invoice', {
    config: { access: access.organization() },
    schema: {
      tags,
      summary: "An organization's invoice for a month: a line per model and kind, and the totals (USD)",
      description: 'With `Accept: text/csv` the line items come as CSV.',
      params: idParamsSchema,
      querystring: invoiceQuerySchema,
      response: { 200: invoiceSchema },
    },
    handler: async (request, reply) => {
      const invoice = await getInvoice(database, request.params.id, request.query.month);
      return wantsCsv(request) ? sendCsv(reply, invoiceCsv(invoice), `invoice-${invoice.month}.csv`) : invoice;
    },
  });
};
