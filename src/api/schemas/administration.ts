// Request and response schemas of platform administration (plans, plan and status changes, limit
// overrides), sign-up and the audit trail. Request bodies are the services' own schemas.
import { z } from 'zod';
import { auditActions, auditQuerySchema, principalKinds } from '../../tenancy/audit.ts';
import { limitOverridesSchema, planLimitsSchema } from '../../tenancy/plans.ts';
import { slugSchema } from '../../tenancy/validation.ts';
import { pageQuerySchema } from './common.ts';
import { organizationApiKeySchema, organizationSchema, workspaceSchema } from './tenancy.ts';

const timestamp = z.date().describe('ISO 8601 date-time');

export { createPlanSchema as createPlanBodySchema, updatePlanSchema as updatePlanBodySchema } from '../../tenancy/plans.ts';
export { statusChangeSchema as statusChangeBodySchema } from '../../tenancy/tenant-status.ts';
export { signupSchema as signupBodySchema } from '../../tenancy/signup.ts';

export const planSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    limits: planLimitsSchema.describe('Per workspace; null means unlimited'),
    isDefault: z.boolean().describe('New organizations (and sign-ups) get this plan'),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Plan' });

export const planParamsSchema = z.object({ planId: slugSchema.describe('Plan id') });

export const setPlanBodySchema = z.strictObject({ planId: slugSchema.describe('The plan to move the organization to') });

export const limitOverridesBodySchema = limitOverridesSchema.describe(
  "The workspace's complete set of overrides (replaces the previous set; {} removes them all). A limit set to null is unlimited",
);

export const signupResponseSchema = z
  .object({
    organization: organizationSchema,
    workspace: workspaceSchema,
    apiKey: organizationApiKeySchema,
    secret: z.string().describe('The organization admin key. Shown only in this response; store it now'),
  })
  .meta({ id: 'Signup' });

export const auditEventSchema = z
  .object({
    id: z.uuid(),
    createdAt: timestamp,
    organizationId: z.uuid().nullable(),
    workspaceId: z.uuid().nullable(),
    action: z.enum(auditActions),
    outcome: z.enum(['success', 'failure']),
    principalKind: z.enum(principalKinds),
    principalId: z.string().nullable().describe('The id of the key that acted (never its secret)'),
    clientAddress: z.string().nullable(),
    requestId: z.string().nullable().describe('The x-request-id of the request, shared with its log lines'),
    targetType: z.string().nullable(),
    targetId: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'AuditEvent' });

export const auditListQuerySchema = pageQuerySchema.extend(auditQuerySchema.shape);
