// Schemas of the usage, quota, invoice and price routes.
import { z } from 'zod';
import { limitNames } from '../../tenancy/plans.ts';
import { modelNameSchema, modelPriceInputSchema } from '../../tenancy/prices.ts';
import { usageKinds } from '../../tenancy/usage.ts';
import { invoiceMonthSchema, organizationGroupings, usageRangeSchema, workspaceGroupings } from '../../tenancy/usage-reports.ts';

export const workspaceUsageQuerySchema = usageRangeSchema(workspaceGroupings);
export const organizationUsageQuerySchema = usageRangeSchema(organizationGroupings);
export const invoiceQuerySchema = z.object({ month: invoiceMonthSchema });

const totalsShape = {
  events: z.number().int().describe('Operations, or calls for embedding and extraction rows'),
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  embeddingTokens: z.number().int(),
  documents: z.number().int().describe('Documents stored (ingestion)'),
  chunks: z.number().int().describe('Chunks stored (ingestion)'),
  bytes: z.number().int().describe('Bytes uploaded (ingestion)'),
  costUsd: z.number().describe('US dollars, at the prices in force when each event happened'),
};
const usageTotalsSchema = z.object(totalsShape).meta({ id: 'UsageTotals' });
const kindSchema = z.enum(usageKinds);

const usageReportShape = {
  from: z.string().describe('Start, inclusive (ISO 8601)'),
  to: z.string().describe('End, exclusive (ISO 8601)'),
  groupBy: z.string().nullable(),
  rows: z.array(z.object({ group: z.string().nullable().describe('The groupBy value (null: ungrouped or not set)'), kind: kindSchema, ...totalsShape })),
  totals: usageTotalsSchema,
};
export const workspaceUsageSchema = z.object(usageReportShape).meta({ id: 'WorkspaceUsage' });
export const organizationUsageSchema = z.object({ organizationId: z.uuid(), ...usageReportShape }).meta({ id: 'OrganizationUsage' });

export const quotaSchema = z
  .object({
    quotas: z.array(
      z.object({
        quota: z.enum(limitNames),
        limit: z.number().int().nullable().describe('null: unlimited'),
        used: z.number().int().nullable().describe('null: enforced elsewhere (rate limits, ingestion jobs)'),
        left: z.number().int().nullable(),
        resetsAt: z.string().nullable().describe('When a period counter starts again (ISO 8601); null for resources'),
      }),
    ),
  })
  .meta({ id: 'Quota' });

export const invoiceSchema = z
  .object({
    organizationId: z.uuid(),
    month: z.string(),
    from: z.string(),
    to: z.string(),
    currency: z.literal('USD'),
    lineItems: z.array(z.object({ model: z.string().nullable(), kind: kindSchema, ...totalsShape })),
    totals: usageTotalsSchema,
  })
  .meta({ id: 'Invoice' });

export const priceSchema = z
  .object({
    model: z.string(),
    inputPerMillion: z.number(),
    outputPerMillion: z.number(),
    embeddingPerMillion: z.number(),
    updatedAt: z.date(),
  })
  .meta({ id: 'ModelPrice' });

export const priceParamsSchema = z.object({ model: modelNameSchema.describe('Model name (URL-encoded)') });
export const priceBodySchema = modelPriceInputSchema.describe('US dollars per million tokens; a missing price is 0');
