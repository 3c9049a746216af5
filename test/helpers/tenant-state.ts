// What a workspace holds, as the database sees it: a digest of every row of every tenant table (as
// the application role, through RLS) and of the control-plane rows. Two equal snapshots mean a
// request changed nothing. last_used_at is left out: using a key legitimately touches it.
import type { Database } from '../../src/db/database.ts';
import { withControlPlane, withWorkspace } from '../../src/db/workspace-scope.ts';

/** Tables under the tenant policy, as the migrations made them (workspaces itself has no workspace_id). */
export async function tenantTables(database: Database): Promise<string[]> {
  const { rows } = await database.query<{ tablename: string }>(
    "SELECT tablename FROM pg_policies WHERE policyname = 'workspace_isolation' AND tablename <> 'workspaces' ORDER BY tablename",
  );
  return rows.map((row) => row.tablename);
}

const rowDigest = (alias: string) =>
  `md5(coalesce(string_agg((to_jsonb(${alias}) - 'last_used_at')::text, ',' ORDER BY (to_jsonb(${alias}) - 'last_used_at')::text), ''))`;

/** table → "row count:digest" for one workspace's rows, in one statement. */
export async function workspaceSnapshot(database: Database, workspaceId: string, tables: readonly string[]): Promise<Record<string, string>> {
  const columns = tables.map((table) => `(SELECT count(*) || ':' || ${rowDigest('t')} FROM ${table} t WHERE workspace_id = $1) AS "${table}"`);
  return withWorkspace(database, { workspaceId }, async (transaction) => {
    const { rows } = await transaction.query<Record<string, string>>(`SELECT ${columns.join(', ')}`, [workspaceId]);
    return rows[0]!;
  });
}

/** Organizations, workspaces and organization keys, as the control plane sees them, in one statement. */
export async function controlPlaneSnapshot(database: Database): Promise<Record<string, string>> {
  const columns = ['organizations', 'workspaces', 'organization_api_keys'].map(
    (table) => `(SELECT count(*) || ':' || ${rowDigest('t')} FROM ${table} t) AS "${table}"`,
  );
  return withControlPlane(database, async (transaction) => {
    const { rows } = await transaction.query<Record<string, string>>(`SELECT ${columns.join(', ')}`);
    return rows[0]!;
  });
}

/** Everything the given workspaces and the control plane hold. */
export async function databaseSnapshot(database: Database, workspaceIds: readonly string[]): Promise<Record<string, unknown>> {
  const tables = await tenantTables(database);
  const workspaces: Record<string, unknown> = {};
  for (const id of workspaceIds) workspaces[id] = await workspaceSnapshot(database, id, tables);
  return { controlPlane: await controlPlaneSnapshot(database), workspaces };
}
