// Request and response schemas of the management resources: organizations, workspaces, agents, keys.
// Request bodies are the services' own input schemas (one schema per request shape); responses are defined here.
import { z } from 'zod';
import { agentToolNames, createAgentSchema, updateAgentSchema } from '../../tenancy/agents.ts';
import { createApiKeySchema } from '../../tenancy/api-keys.ts';
import { createOrganizationApiKeySchema } from '../../tenancy/organization-keys.ts';
import { createOrganizationSchema, updateOrganizationSchema } from '../../tenancy/organizations.ts';
import { limitOverridesSchema } from '../../tenancy/plans.ts';
import { apiKeyScopes } from '../../tenancy/workspace-context.ts';
import { createWorkspaceSchema, updateWorkspaceSchema } from '../../tenancy/workspaces.ts';

const timestamp = z.date().describe('ISO 8601 date-time');

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

export { createOrganizationSchema as createOrganizationBodySchema, updateOrganizationSchema as updateOrganizationBodySchema };

export const workspaceSchema = z
  .object({
    id: z.uuid(),
    organizationId: z.uuid(),
    slug: z.string(),
    name: z.string(),
    graphGroup: z.string(),
    settings: z.record(z.string(), z.unknown()),
    status: tenantStatusSchema,
    statusChangedAt: timestamp.nullable(),
    limitOverrides: limitOverridesSchema.describe("Limits this workspace has instead of its organization plan's (null: unlimited)"),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Workspace' });

export const createWorkspaceBodySchema = createWorkspaceSchema.omit({ organization: true });
export { updateWorkspaceSchema as updateWorkspaceBodySchema };
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

export { createApiKeySchema as createApiKeyBodySchema };

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

export { createOrganizationApiKeySchema as createOrganizationApiKeyBodySchema };

export const createdOrganizationApiKeySchema = z
  .object({
    apiKey: organizationApiKeySchema,
    secret: z.string().describe('The full key. Shown only in this response; store it now'),
  })
  .meta({ id: 'CreatedOrganizationApiKey' });
