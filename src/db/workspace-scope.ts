// The only doors into the database for services: a workspace's rows, or the control plane.
import type { Database, Queryable } from './database.ts';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return uuidPattern.test(value);
}

/** What tenant code needs to reach a workspace's rows; a WorkspaceContext satisfies it. */
export interface WorkspaceScope {
  workspaceId: string;
}

/**
 * Runs `work` in a transaction as the non-owner role ragspace_app, with the transaction-local
 * setting that every tenant table's RLS policy compares with. Queries inside should still filter
 * on workspace_id so an index serves them.
 */
export async function withWorkspace<T>(
  database: Database,
  scope: WorkspaceScope,
  work: (transaction: Queryable) => Promise<T>,
): Promise<T> {
  if (!isUuid(scope.workspaceId)) throw new Error(`withWorkspace: "${scope.workspaceId}" is not a workspace id`);
  return database.transaction(async (transaction) => {
    await transaction.query('SET LOCAL ROLE ragspace_app');
    await transaction.query("SELECT set_config('ragspace.workspace_id', $1, true)", [scope.workspaceId]);
    return work(transaction);
  });
}

/** Runs `work` as ragspace_admin: organizations, workspaces, key lookup. Never for tenant content. */
export async function withControlPlane<T>(database: Database, work: (transaction: Queryable) => Promise<T>): Promise<T> {
  return database.transaction(async (transaction) => {
    await transaction.query('SET LOCAL ROLE ragspace_admin');
    return work(transaction);
  });
}
