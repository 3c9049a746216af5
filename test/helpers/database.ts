// Real databases for tests, on the tier this process runs (test-tier.ts): a fresh in-memory
// PGlite per suite, or a fresh database on the real PostgreSQL cloned from this run's migrated
// template. Either way the schema is exactly what migrations make; suites never share rows.
import type { Database } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrations.ts';
import { createMemoryDatabase } from '../../src/db/pglite-database.ts';
import { createPostgresDatabase } from '../../src/db/postgres-database.ts';
import { createOrganization, getOrganization } from '../../src/tenancy/organizations.ts';
import { createWorkspaceContext, type WorkspaceContext } from '../../src/tenancy/workspace-context.ts';
import { createWorkspace } from '../../src/tenancy/workspaces.ts';
import { createDatabaseFromTemplate, dropDatabase } from './postgres-databases.ts';
import { postgresTierInfo, postgresUrlFor, testTier } from './test-tier.ts';

let databaseCounter = 0;

/** A real PostgreSQL database for this test, cloned from `template`; dropped when closed. */
export interface ClonedPostgresDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export async function clonePostgresDatabase(template: 'migrated' | 'empty'): Promise<ClonedPostgresDatabase> {
  const info = postgresTierInfo();
  databaseCounter += 1;
  const name = `${info.runPrefix}${process.pid}_${databaseCounter}`;
  await createDatabaseFromTemplate(info.maintenanceUrl, name, template === 'migrated' ? info.migratedTemplate : info.emptyTemplate);
  return { name, url: postgresUrlFor(name), drop: () => dropDatabase(info.maintenanceUrl, name) };
}

async function openPostgresTestDatabase(template: 'migrated' | 'empty', poolSize: number): Promise<Database> {
  const cloned = await clonePostgresDatabase(template);
  const database = createPostgresDatabase({ connectionString: cloned.url, max: poolSize });
  return {
    ...database,
    async close() {
      await database.close();
      await cloned.drop();
    },
  };
}

/** A fresh, migrated database on this process's tier. */
export async function createTestDatabase(options: { poolSize?: number } = {}): Promise<Database> {
  if (testTier === 'postgres') return openPostgresTestDatabase('migrated', options.poolSize ?? 10);
  const database = await createMemoryDatabase();
  await migrate(database);
  return database;
}

/** A fresh database with no migrations applied (only the vector extension on a real server). */
export async function createEmptyTestDatabase(options: { poolSize?: number } = {}): Promise<Database> {
  if (testTier === 'postgres') return openPostgresTestDatabase('empty', options.poolSize ?? 10);
  return createMemoryDatabase();
}

let tenantCounter = 0;

/** Creates an organization (or reuses one by slug) and a workspace in it; returns the workspace's context. */
export async function createTestTenant(
  database: Database,
  options: { organizationSlug?: string; workspaceSlug?: string; /** Default: the default plan (free). */ planId?: string } = {},
): Promise<WorkspaceContext> {
  tenantCounter += 1;
  const organizationSlug = options.organizationSlug ?? `org-${tenantCounter}-${Date.now().toString(36)}`;
  const organization = await createOrganization(database, { name: organizationSlug, slug: organizationSlug, planId: options.planId }).catch(
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
  return createWorkspaceContext({ organizationId: organization.id, workspaceId: workspace.id });
}
