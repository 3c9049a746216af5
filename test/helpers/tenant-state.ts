// What a workspace holds, as the database sees it: a digest of every row of every tenant table (as
// the application role, through RLS) and of the control-plane rows. Two equal snapshots mean a
// request changed nothing. last_used_at and the metering of the request itself are left out: using
// the API legitimately touches them.
import type { Database } from '../../src/db/database.ts';

/** Tables under the tenant policy, as the migrations made them (workspaces itself has no workspace_id). */
const tablesOf = new WeakMap<Database, Promise<string[]>>();
export function tenantTables(database: Database): Promise<string[]> {
  let tables = tablesOf.get(database);
  if (!tables) {
    tables = database
      .query<{ tablename: string }>("SELECT tablename FROM pg_policies WHERE policyname = 'workspace_isolation' AND tablename <> 'workspaces' ORDER BY tablename")
      .then(({ rows }) => rows.map((row) => row.tablename));
    tablesOf.set(database, tables);
  }
  return tables;
}

// An order-free digest of the rows (a sum of row hashes): no sort, so it stays cheap per request.
const rowDigest = (alias: string) => `coalesce(sum(hashtextextended((to_jsonb(${alias}) - 'last_used_at')::text, 0)), 0)`;

/**
 * Everything the given workspaces and the control plane hold, read in one transaction: as the
 * application role with each workspace's setting in turn, then as the control-plane role.
 */
export async function databaseSnapshot(database: Database, workspaceIds: readonly string[]): Promise<Record<string, unknown>> {
  const tables = await tenantTables(database);
  // Metering records the use of the API, refusals included: the month's request counter counts every
  // well-formed request (a 404 or 409 too; test/api/quotas.test.ts shows bad input counts nothing),
  // and a refused upload or search that did work leaves a usage row with the error code it was told.
  const metering: Record<string, string> = { quota_counters: " AND quota <> 'requestsPerMonth'", usage_events: " AND outcome = 'ok'" };
  const tenantColumns = tables.map(
    (table) => `(SELECT count(*) || ':' || ${rowDigest('t')} FROM ${table} t WHERE workspace_id = $1${metering[table] ?? ''}) AS "${table}"`,
  );
  const controlColumns = ['organizations', 'workspaces', 'organization_api_keys'].map(
    (table) => `(SELECT count(*) || ':' || ${rowDigest('t')} FROM ${table} t) AS "${table}"`,
  );
  return database.transaction(async (transaction) => {
    await transaction.query('SET LOCAL ROLE ragspace_app');
    const workspaces: Record<string, unknown> = {};
    for (const id of workspaceIds) {
      await transaction.query("SELECT set_config('ragspace.workspace_id', $1, true)", [id]);
      workspaces[id] = (await transaction.query(`SELECT ${tenantColumns.join(', ')}`, [id])).rows[0];
    }
    await transaction.query('SET LOCAL ROLE ragspace_admin');
    const controlPlane = (await transaction.query(`SELECT ${controlColumns.join(', ')}`)).rows[0];
    return { controlPlane, workspaces };
  });
}
