// Real databases for tests: a fresh in-memory PGlite per suite, migrated, plus tenants in it.
import type { Database } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrations.ts';
import { createMemoryDatabase } from '../../src/db/pglite-database.ts';
import { createOrganization, getOrganization } from '../../src/tenancy/organizations.ts';
import { apiKeyScopes, type WorkspaceContext } from '../../src/tenancy/workspace-context.ts';
import { createWorkspace } from '../../src/tenancy/workspaces.ts';

export async function createTestDatabase(): Promise<Database> {
  const database = await createMemoryDatabase();
  await migrate(database);
  return database;
}

let tenantCounter = 0;

/** Creates an organization (or reuses one by slug) and a workspace in it; returns the workspace's context. */
export async function createTestTenant(
  database: Database,
  options: { organizationSlug?: string; workspaceSlug?: string } = {},
): Promise<WorkspaceContext> {
  tenantCounter += 1;
  const organizationSlug = options.organizationSlug ?? `org-${tenantCounter}-${Date.now().toString(36)}`;
  const organization = await createOrganization(database, { name: organizationSlug, slug: organizationSlug }).catch(
    (error: { code?: string }) => {
      if (error.code !== 'conflict') throw error;
      return getOrganization(database, organizationSlug);
    },
  );
  const workspace = await createWorkspace(database, {
    organization: organization.id,
    name: options.workspaceSlug ?? `workspace ${tenantCounter}`,
    slug: options.workspaceSlug ?? `ws-${tenantCounter}`,
  });
  return {
    organizationId: organization.id,
    workspaceId: workspace.id,
    graphGroup: workspace.graphGroup,
    apiKeyId: null,
    customerId: null,
    scopes: [...apiKeyScopes],
  };
}
