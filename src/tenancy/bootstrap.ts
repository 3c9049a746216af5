// A deployment's first tenant: an organization, a workspace and its default agent, created once
// and recorded in deployment_settings 'bootstrap'. The embedded first start creates it (then a
// platform key in the data directory, see first-platform-key below); on a DATABASE_URL server
// `ragspace init` does, with a workspace key shown once. Running either again changes nothing.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Database, Queryable } from '../db/database.ts';
import { withControlPlane } from '../db/workspace-scope.ts';
import { conflict, isUniqueViolation, validationError } from '../errors.ts';
import { insertAgent } from './agents.ts';
import { insertPlatformKey, platformKeyWasIssued } from './platform-keys.ts';
import { writeSecretFile } from './secret-file.ts';
import { nameSchema, parseInput, slugSchema } from './validation.ts';
import { graphGroupFor } from './workspace-context.ts';

export const firstTenantInputSchema = z.strictObject({
  organizationName: nameSchema.default('Default organization'),
  organizationSlug: slugSchema.default('default'),
  workspaceName: nameSchema.default('Default workspace'),
  workspaceSlug: slugSchema.default('default'),
  /** The organization's plan (default: the plan marked default). */
  planId: slugSchema.optional(),
});

export type FirstTenantInput = z.input<typeof firstTenantInputSchema>;

export interface FirstTenant {
  organizationId: string;
  workspaceId: string;
  /** Current slugs (null if the organization or workspace was deleted since). */
  organizationSlug: string | null;
  workspaceSlug: string | null;
  createdAt: string;
}

export interface FirstTenantResult<Extra> {
  tenant: FirstTenant;
  /** True when this call created the tenant; false when it existed already. */
  created: boolean;
  /** What `whenCreated` returned (only when created). */
  extra?: Extra;
}

interface BootstrapRecord {
  organizationId: string;
  workspaceId: string;
  createdAt?: string;
}

async function describeTenant(transaction: Queryable, record: BootstrapRecord, recordedAt: string): Promise<FirstTenant> {
  const { rows } = await transaction.query<{ organizationSlug: string | null; workspaceSlug: string | null }>(
    `SELECT (SELECT slug FROM organizations WHERE id = $1) AS "organizationSlug", (SELECT slug FROM workspaces WHERE id = $2) AS "workspaceSlug"`,
    [record.organizationId, record.workspaceId],
  );
  return { organizationId: record.organizationId, workspaceId: record.workspaceId, ...rows[0]!, createdAt: record.createdAt ?? recordedAt };
}

/**
 * Creates the first tenant unless the deployment has one. `whenCreated` runs in the same
 * transaction right after (to issue a key with it): if it fails, nothing is created.
 */
export async function ensureFirstTenant<Extra = undefined>(
  database: Database,
  input: FirstTenantInput = {},
  whenCreated?: (transaction: Queryable, tenant: FirstTenant) => Promise<Extra>,
): Promise<FirstTenantResult<Extra>> {
  const names = parseInput(firstTenantInputSchema, input);
  try {
    return await withControlPlane(database, async (transaction) => {
      // Serialises concurrent first starts and inits: the loser sees the winner's record.
      await transaction.query('LOCK TABLE deployment_settings IN SHARE ROW EXCLUSIVE MODE');
      const { rows: existing } = await transaction.query<{ value: BootstrapRecord; updatedAt: Date }>(
        `SELECT value, updated_at AS "updatedAt" FROM deployment_settings WHERE key = 'bootstrap'`,
      );
      if (existing[0]) {
        return { tenant: await describeTenant(transaction, existing[0].value, new Date(existing[0].updatedAt).toISOString()), created: false };
      }
      const { rows } = await transaction.query<{ id: string }>(
        `INSERT INTO organizations (slug, name, plan_id)
         VALUES ($1, $2, coalesce($3, (SELECT id FROM plans WHERE is_default))) RETURNING id`,
        [names.organizationSlug, names.organizationName, names.planId ?? null],
      );
      const organizationId = rows[0]!.id;
      const workspaceId = randomUUID();
      await transaction.query('INSERT INTO workspaces (id, organization_id, slug, name, graph_group) VALUES ($1, $2, $3, $4, $5)', [
        workspaceId,
        organizationId,
        names.workspaceSlug,
        names.workspaceName,
        graphGroupFor(workspaceId),
      ]);
      await insertAgent(transaction, workspaceId, { name: 'Default agent', slug: 'default' }, true);
      const record: BootstrapRecord = { organizationId, workspaceId, createdAt: new Date().toISOString() };
      await transaction.query("INSERT INTO deployment_settings (key, value) VALUES ('bootstrap', $1)", [record]);
      const tenant: FirstTenant = {
        organizationId,
        workspaceId,
        organizationSlug: names.organizationSlug,
        workspaceSlug: names.workspaceSlug,
        createdAt: record.createdAt!,
      };
      return { tenant, created: true, extra: await whenCreated?.(transaction, tenant) };
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw conflict(`An organization with slug "${names.organizationSlug}" already exists; choose another slug for the first one`);
    }
    // plans(id) foreign key: the named plan does not exist.
    if ((error as { code?: string } | null)?.code === '23503') throw validationError(`Plan "${names.planId}" does not exist`);
    throw error;
  }
}

export const bootstrapKeyFileName = 'bootstrap-key';

/**
 * The embedded first start's platform key: issued into `keyFile` (0600) the first time only. Later
 * starts never issue one by themselves; `ragspace platform-key rotate` replaces a lost or revoked key.
 * Returns whether a key was issued now.
 */
export async function ensureFirstPlatformKey(database: Database, pepper: string, keyFile: string): Promise<boolean> {
  if (await platformKeyWasIssued(database)) return false;
  // Two processes starting at once: the second sees the first's key under the lock and issues none.
  return withControlPlane(database, async (transaction) => {
    await transaction.query('LOCK TABLE platform_api_keys IN SHARE ROW EXCLUSIVE MODE');
    const { rows } = await transaction.query<{ issued: boolean }>('SELECT EXISTS (SELECT 1 FROM platform_api_keys) AS issued');
    if (rows[0]!.issued) return false;
    await insertPlatformKey(transaction, pepper, {
      name: 'Platform key (first start)',
      revokeOthers: false,
      keep: (secret) => writeSecretFile(keyFile, secret, { replace: true }),
    });
    return true;
  });
}

/** Whether any organization exists (a server on an empty DATABASE_URL says how to create the first). */
export async function hasOrganizations(database: Database): Promise<boolean> {
  return withControlPlane(database, async (transaction) => {
    const { rows } = await transaction.query<{ any: boolean }>('SELECT EXISTS (SELECT 1 FROM organizations) AS any');
    return rows[0]!.any;
  });
}
