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

/** Transaction-local settings a caller adds to the prologue (e.g. search's HNSW settings). */
export type TransactionSettings = Readonly<Record<string, string>>;

const settingName = /^[a-z_][a-z0-9_]*\.?[a-z0-9_]+$/;

/**
 * Runs `work` in a transaction as the non-owner role ragspace_app, with the transaction-local
 * setting that every tenant table's RLS policy compares with. Queries inside should still filter
 * on workspace_id so an index serves them.
 *
 * The prologue is one statement (one round trip): set_config('role', …, true) is SET LOCAL ROLE,
 * and every value travels as a parameter. Measured: an empty request's floor went from 1.9 to 0.7 ms.
 */
export async function withWorkspace<T>(
  database: Database,
  scope: WorkspaceScope,
  work: (transaction: Queryable) => Promise<T>,
  settings: TransactionSettings = {},
): Promise<T> {
  if (!isUuid(scope.workspaceId)) throw new Error(`withWorkspace: "${scope.workspaceId}" is not a workspace id`);
  const extra = Object.entries(settings);
  for (const [name] of extra) if (!settingName.test(name)) throw new Error(`withWorkspace: "${name}" is not a setting name`);
  const prologue = [
    "SELECT set_config('role', 'ragspace_app', true), set_config('ragspace.workspace_id', $1, true)",
    ...extra.map((_, index) => `, set_config($${2 * index + 2}, $${2 * index + 3}, true)`),
  ].join('');
  return database.transaction(async (transaction) => {
    await transaction.query(prologue, [scope.workspaceId, ...extra.flat()]);
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
