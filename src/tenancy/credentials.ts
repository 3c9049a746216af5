// How a presented key is found and checked, for every kind of key the API accepts besides
// RAGSPACE_ADMIN_KEY: workspace keys (rsk_), organization admin keys (rso_) and platform keys
// (rsp_). One lookup by prefix as ragspace_admin, then a constant-time comparison in this process.
// src/tenancy/credential-cache.ts keeps what these lookups return; the API authenticates through it.
import type { Database } from '../db/database.ts';
import { withControlPlane } from '../db/workspace-scope.ts';
import { presentedKeyMatches, type KeyKind } from './key-material.ts';
import type { ApiKeyScope } from './workspace-context.ts';

interface CredentialRow {
  id: string;
  prefix: string;
  secretHash: Uint8Array;
  expiresAt: Date | null;
  revokedAt: Date | null;
  /** When the key was last used, as far as this process knows (written at most once per interval). */
  lastUsedAt: Date | null;
}

export type StoredCredential =
  | (CredentialRow & { kind: 'rsk'; workspaceId: string; organizationId: string; graphGroup: string; scopes: ApiKeyScope[] })
  | (CredentialRow & { kind: 'rso'; organizationId: string })
  | (CredentialRow & { kind: 'rsp' });

const commonColumns = `k.id, k.prefix, k.secret_hash AS "secretHash", k.expires_at AS "expiresAt",
  k.revoked_at AS "revokedAt", k.last_used_at AS "lastUsedAt"`;

/** Per kind: the lookup by prefix, and the table and key columns the last-use write targets. */
const storage: Record<KeyKind, { lookup: string; table: string; keyColumns: string[] }> = {
  rsk: {
    lookup: `SELECT 'rsk' AS kind, ${commonColumns}, k.workspace_id AS "workspaceId", w.organization_id AS "organizationId",
                    w.graph_group AS "graphGroup", k.scopes
             FROM api_keys k JOIN workspaces w ON w.id = k.workspace_id WHERE k.prefix = $1`,
    table: 'api_keys',
    keyColumns: ['workspace_id', 'id'],
  },
  rso: {
    lookup: `SELECT 'rso' AS kind, ${commonColumns}, k.organization_id AS "organizationId" FROM organization_api_keys k WHERE k.prefix = $1`,
    table: 'organization_api_keys',
    keyColumns: ['organization_id', 'id'],
  },
  rsp: {
    lookup: `SELECT 'rsp' AS kind, ${commonColumns} FROM platform_api_keys k WHERE k.prefix = $1`,
    table: 'platform_api_keys',
    keyColumns: ['id'],
  },
};

/** The stored key with this prefix, revoked or expired ones included, or null when there is none. */
export async function findCredential(database: Database, kind: KeyKind, prefix: string): Promise<StoredCredential | null> {
  return withControlPlane(database, async (transaction) => {
    const { rows } = await transaction.query<StoredCredential>(storage[kind].lookup, [prefix]);
    return rows[0] ?? null;
  });
}

/** True when `presented` is the key stored as `credential` and that key is neither revoked nor expired. */
export function credentialAccepts(pepper: string, presented: string, credential: StoredCredential | null, now = Date.now()): boolean {
  // The comparison runs whether or not a key was found (see presentedKeyMatches).
  const matches = presentedKeyMatches(pepper, presented, credential?.secretHash);
  if (!credential || !matches || credential.revokedAt) return false;
  return credential.expiresAt === null || new Date(credential.expiresAt).getTime() > now;
}

/** The values of the key columns of `credential`'s row, in storage[kind].keyColumns order. */
function keyValues(credential: StoredCredential): string[] {
  switch (credential.kind) {
    case 'rsk':
      return [credential.workspaceId, credential.id];
    case 'rso':
      return [credential.organizationId, credential.id];
    case 'rsp':
      return [credential.id];
  }
}

/**
 * Records that a key was used. The condition keeps it to one row write per key per interval even
 * when several processes race; callers skip the call when the key's lastUsedAt is recent.
 */
export async function recordCredentialUse(database: Database, credential: StoredCredential, intervalSeconds: number): Promise<void> {
  const { table, keyColumns } = storage[credential.kind];
  const values = keyValues(credential);
  const match = keyColumns.map((column, index) => `${column} = $${index + 2}`).join(' AND ');
  await withControlPlane(database, (transaction) =>
    transaction.query(
      `UPDATE ${table} SET last_used_at = now()
       WHERE ${match} AND (last_used_at IS NULL OR last_used_at < now() - make_interval(secs => $1))`,
      [intervalSeconds, ...values],
    ),
  );
}
