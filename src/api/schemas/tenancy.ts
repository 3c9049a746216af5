// Request and response schemas of the management resources: organizations, workspaces, agents, keys.
import { z } from 'zod';
import { agentToolNames, createAgentSchema, updateAgentSchema } from '../../tenancy/agents.ts';
import { limitOverridesSchema } from '../../tenancy/plans.ts';
import { contactEmailSchema, nameSchema, slugSchema } from '../../tenancy/validation.ts';
import { apiKeyScopes } from '../../tenancy/workspace-context.ts';

const timestamp = z.date().describe('ISO 8601 date-time');
const settingsSchema = z.record(z.string(), z.unknown()).describe('Free-form workspace settings (JSON object)');
const futureDateTime = z.iso
  .datetime({ offset: true })
  .refine((value) => Date.parse(value) > Date.now(), 'must be in the future')
  .describe('ISO 8601 date-time after which the key stops working');

const tenantStatusSchema = z.enum(['active', 'suspended']).describe('suspended: every route refuses its keys (403); its data is kept');

export const organizationSchema = z
  .object({
    id: z.uuid(),
    slug: z.string(),
    name: z.string(),
    planId: z.string().describe('The plan its workspaces run under'),
    contactEmail: z.string().nullable(),
    status: tenantStatusSchema,
    statusChangedAt: timestamp.nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Organization' });

export const createOrganizationBodySchema = z.strictObject({
  name: nameSchema,
  slug: slugSchema.optional(),
  contactEmail: contactEmailSchema.nullable().optional(),
  planId: slugSchema.optional().describe('Default: the default plan'),
});
export const updateOrganizationBodySchema = z.strictObject({
  name: nameSchema.optional(),
  slug: slugSchema.optional(),
  contactEmail: contactEmailSchema.nullable().optional(),
});

export const workspaceSchema = z
  .object({
    id: z.uuid(),
    organizationId: z.uuid(),
    slug: z.string(),
    name: z.string(),
    graphGroup: z.string(),
    settings: settingsSchema,
    status: tenantStatusSchema,
    statusChangedAt: timestamp.nullable(),
    limitOverrides: limitOverridesSchema.describe("Limits this workspace has instead of its organization plan's (null: unlimited)"),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Workspace' });

export const createWorkspaceBodySchema = z.strictObject({
  name: nameSchema,
  slug: slugSchema.optional(),
  settings: settingsSchema.optional(),
});
export const updateWorkspaceBodySchema = z.strictObject({
  name: nameSchema.optional(),
  slug: slugSchema.optional(),
  settings: settingsSchema.optional(),
});
export const deleteWorkspaceQuerySchema = z.object({
  confirm: z.string().min(1).describe("The workspace's slug, to confirm an irreversible delete"),
});

export const agentSchema = z
  .object({
    id: z.uuid(),
    workspaceId: z.uuid(),
    slug: z.string(),
    name: z.string(),
    systemPrompt: z.string(),
    model: z.string().nullable(),
    temperature: z.number(),
    enabledTools: z.array(z.enum(agentToolNames)),
    maxToolRounds: z.number().int(),
    isDefault: z.boolean(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Agent' });

export { createAgentSchema as createAgentBodySchema, updateAgentSchema as updateAgentBodySchema };
export const agentParamsSchema = z.object({
  id: z.uuid(),
  agentId: z.string().min(1).max(200).describe('Agent id or slug'),
});

export const apiKeySchema = z
  .object({
    id: z.uuid(),
    workspaceId: z.uuid(),
    name: z.string(),
    prefix: z.string().describe('Public part of the key, safe to show'),
    scopes: z.array(z.enum(apiKeyScopes)),
    expiresAt: timestamp.nullable(),
    revokedAt: timestamp.nullable(),
    lastUsedAt: timestamp.nullable().describe('Approximate: updated at most once a minute'),
    createdAt: timestamp,
  })
  .meta({ id: 'ApiKey' });

export const createApiKeyBodySchema = z.strictObject({
  name: nameSchema.optional(),
  scopes: z
    .array(z.enum(apiKeyScopes))
    .min(1)
    .optional()
    .describe('Default chat, search. admin implies every other scope within the workspace'),
  expiresAt: futureDateTime.nullable().optional(),
});

export const createdApiKeySchema = z
  .object({
    apiKey: apiKeySchema,
    secret: z.string().describe('The full key. Shown only in this response; store it now'),
  })
  .meta({ id: 'CreatedApiKey' });

export const keyParamsSchema = z.object({
  id: z.uuid(),
  keyId: z.string().min(1).max(200).describe('Key id or prefix'),
});

export const organizationApiKeySchema = z
  .object({
    id: z.uuid(),
    organizationId: z.uuid(),
    name: z.string(),
    prefix: z.string(),
    expiresAt: timestamp.nullable(),
    revokedAt: timestamp.nullable(),
    lastUsedAt: timestamp.nullable(),
    createdAt: timestamp,
  })
  .meta({ id: 'OrganizationApiKey' });

export const createOrganizationApiKeyBodySchema = z.strictObject({
  name: nameSchema.optional(),
  expiresAt: futureDateTime.nullable().optional(),
});

export const createdOrganizationApiKeySchema = z
  .object({
    apiKey: organizationApiKeySchema,
    secret: z.string().describe('The full key. Shown only in this response; store it now'),
  })
  .meta({ id: 'CreatedOrganizationApiKey' });
