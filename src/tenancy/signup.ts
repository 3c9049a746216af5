// Self-service sign-up (RAGSPACE_SIGNUP=open): an organization on the default plan, its first
// workspace and an organization admin key, in one transaction, so a failure leaves nothing behind.
import { z } from 'zod';
import type { Database } from '../db/database.ts';
import { withControlPlane } from '../db/workspace-scope.ts';
import { conflict, isUniqueViolation } from '../errors.ts';
import { recordAuditEvent, type AuditActor } from './audit.ts';
import { insertOrganizationApiKey, type CreatedOrganizationApiKey } from './organization-keys.ts';
import { insertOrganization, type Organization } from './organizations.ts';
import { contactEmailSchema, nameSchema, parseInput } from './validation.ts';
import { insertWorkspace, type Workspace } from './workspaces.ts';

/** Slugs a stranger may not claim: they read as the service's own (and some are our paths). */
export const reservedSlugs: ReadonlySet<string> = new Set([
  'admin', 'administrator', 'api', 'app', 'audit', 'auth', 'billing', 'default', 'docs', 'health', 'help', 'internal',
  'login', 'logout', 'metrics', 'openapi', 'organizations', 'platform', 'plans', 'ragspace', 'ready', 'root', 'security',
  'signup', 'sign-up', 'static', 'status', 'support', 'system', 'www', 'workspaces',
]);

export const signupSlugSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$/, 'use 3-40 lower-case letters, digits and hyphens, starting and ending with a letter or digit')
  .refine((slug) => !reservedSlugs.has(slug), 'this slug is reserved; choose another');

export const signupSchema = z.strictObject({
  organizationName: nameSchema,
  slug: signupSlugSchema,
  contactEmail: contactEmailSchema,
});
export type SignupInput = z.input<typeof signupSchema>;

export interface SignupResult {
  organization: Organization;
  workspace: Workspace;
  apiKey: CreatedOrganizationApiKey['apiKey'];
  /** The organization admin key. Shown once, never stored. */
  secret: string;
}

export async function signUp(database: Database, pepper: string, input: SignupInput, actor: AuditActor): Promise<SignupResult> {
  const { organizationName, slug, contactEmail } = parseInput(signupSchema, input);
  try {
    return await withControlPlane(database, async (transaction) => {
      const organization = await insertOrganization(transaction, { name: organizationName, slug, contactEmail });
      const workspace = await insertWorkspace(transaction, { organization: organization.id, name: 'Default workspace', slug: 'default' });
      const created = await insertOrganizationApiKey(transaction, pepper, organization.id, { name: 'Sign-up admin key' });
      await recordAuditEvent(transaction, actor, {
        action: 'signup.completed',
        organizationId: organization.id,
        workspaceId: workspace.id,
        target: { type: 'organization', id: organization.id },
        details: { slug, contactEmail, planId: organization.planId, apiKeyPrefix: created.apiKey.prefix },
      });
      return { organization, workspace, apiKey: created.apiKey, secret: created.secret };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict(`The slug "${slug}" is taken; choose another`, { slug });
    throw error;
  }
}
