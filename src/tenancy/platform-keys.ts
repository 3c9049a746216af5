// Platform keys ("rsp_…"): the platform admin's credential kept in the database, beside
// RAGSPACE_ADMIN_KEY from the environment. Not a tenant's object (sql/700_platform_api_keys.sql):
// no workspace or organization key can see or revoke one. Issued by the embedded first start
// (into the bootstrap-key file) and by `ragspace platform-key rotate`, which revokes the others.
import { readFile } from 'node:fs/promises';
import type { Database, Queryable } from '../db/database.ts';
import { withControlPlane } from '../db/workspace-scope.ts';
import { credentialAccepts, findCredential } from './credentials.ts';
import { generateKey, hashApiKey, parseKey } from './key-material.ts';

export interface PlatformApiKey {
  id: string;
  name: string;
  prefix: string;
  revokedAt: Date | null;
  createdAt: Date;
}

export interface IssuedPlatformKey {
  apiKey: PlatformApiKey;
  /** The full key. Returned once, never stored, never logged. */
  secret: string;
  /** How many earlier platform keys this call revoked. */
  revoked: number;
}

export interface IssuePlatformKeyOptions {
  name: string;
  /** Revoke every other platform key in the same transaction (rotation). */
  revokeOthers: boolean;
  /** Runs before the key is committed (writes it to a file); if it fails, no key is issued and none revoked. */
  keep?: (secret: string) => Promise<void>;
}

const columns = 'id, name, prefix, revoked_at AS "revokedAt", created_at AS "createdAt"';

/** Issues a platform key in an open control-plane transaction. */
export async function insertPlatformKey(transaction: Queryable, pepper: string, options: IssuePlatformKeyOptions): Promise<IssuedPlatformKey> {
  const { key, prefix } = generateKey('rsp');
  const revoked = options.revokeOthers
      ? (await transaction.query('UPDATE platform_api_keys SET revoked_at = now() WHERE revoked_at IS NULL')).rowCount
      : 0;
  const { rows } = await transaction.query<PlatformApiKey>(
    `INSERT INTO platform_api_keys (name, prefix, secret_hash) VALUES ($1, $2, $3) RETURNING ${columns}`,
    [options.name, prefix, hashApiKey(pepper, key)],
  );
  await options.keep?.(key);
  return { apiKey: rows[0]!, secret: key, revoked };
}

export function issuePlatformKey(database: Database, pepper: string, options: IssuePlatformKeyOptions): Promise<IssuedPlatformKey> {
  return withControlPlane(database, (transaction) => insertPlatformKey(transaction, pepper, options));
}

/** True once any platform key was issued (revoked ones count): the embedded first start issues one only once. */
export async function platformKeyWasIssued(database: Database): Promise<boolean> {
  return withControlPlane(database, async (transaction) => {
    const { rows } = await transaction.query<{ issued: boolean }>('SELECT EXISTS (SELECT 1 FROM platform_api_keys) AS issued');
    return rows[0]!.issued;
  });
}

/** Whether `keyFile` holds a platform key that works now (missing file, revoked or unknown key: false). */
export async function keyFileHoldsPlatformKey(database: Database, pepper: string, keyFile: string): Promise<boolean> {
  const presented = (await readFile(keyFile, 'utf8').catch(() => '')).trim();
  const parsed = parseKey(presented);
  if (parsed?.kind !== 'rsp') return false;
  return credentialAccepts(pepper, presented, await findCredential(database, 'rsp', parsed.prefix));
}
