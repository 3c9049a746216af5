// Workspace API keys (ARCHITECTURE.md invariant 4): shown once, stored as HMAC-SHA-256 with a
// server pepper, found by a public prefix, compared in constant time, scoped, expirable, revocable.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Database, Queryable } from '../db/database.ts';
import { isUuid, withControlPlane, withWorkspace, type WorkspaceScope } from '../db/workspace-scope.ts';
import { notFound } from '../errors.ts';
import { cursorTimeColumn, pageClauses, toPage, type Page, type PageRequest } from './pagination.ts';
import { futureExpirySchema, nameSchema, parseInput } from './validation.ts';
import { apiKeyScopes, type ApiKeyScope } from './workspace-context.ts';

const keyPattern = /^(rsk_[a-z0-9]{12})_[A-Za-z0-9_-]{43}$/;
const publicIdAlphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';

export interface ApiKey {
  id: string;
  workspaceId: string;
  name: string;
  prefix: string;
  scopes: ApiKeyScope[];
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  createdAt: Date;
}

export interface CreatedApiKey {
  apiKey: ApiKey;
  /** The full key. Returned once, never stored, never logged. */
  secret: string;
}

/** Who a valid key belongs to. */
export interface KeyPrincipal {
  apiKeyId: string;
  workspaceId: string;
  organizationId: string;
  graphGroup: string;
  scopes: ApiKeyScope[];
}

const columns = `id, workspace_id AS "workspaceId", name, prefix, scopes, expires_at AS "expiresAt",
  revoked_at AS "revokedAt", last_used_at AS "lastUsedAt", created_at AS "createdAt"`;

export const createApiKeySchema = z.strictObject({
  name: nameSchema.default('API key'),
  scopes: z
    .array(z.enum(apiKeyScopes))
    .min(1)
    .default(['chat', 'search'])
    .describe('Default chat, search. admin implies every other scope within the workspace'),
  expiresAt: futureExpirySchema.nullable().optional(),
});

/** What callers may pass; parsing checks the scopes and the date. */
export interface CreateApiKeyInput {
  name?: string;
  scopes?: readonly string[];
  expiresAt?: string | Date | null;
}

export function hashApiKey(pepper: string, key: string): Buffer {
  return createHmac('sha256', pepper).update(key).digest();
}

/** A new key "<kind>_<12 public characters>_<43 secret characters>"; rsk = workspace key, rso = organization admin key. */
export function generateKey(kind: 'rsk' | 'rso' = 'rsk'): { key: string; prefix: string } {
  const bytes = randomBytes(12);
  const publicId = Array.from(bytes, (byte) => publicIdAlphabet[byte % publicIdAlphabet.length]).join('');
  const prefix = `${kind}_${publicId}`;
  return { key: `${prefix}_${randomBytes(32).toString('base64url')}`, prefix };
}

/**
 * Constant-time check of a presented key against a stored hash. Hashes and compares even when no
 * row was found, so timing does not tell which prefixes exist.
 */
export function presentedKeyMatches(pepper: string, presented: string, storedHash: Uint8Array | undefined): boolean {
  const presentedHash = hashApiKey(pepper, presented);
  const stored = storedHash ? Buffer.from(storedHash) : Buffer.alloc(presentedHash.length);
  return storedHash !== undefined && stored.length === presentedHash.length && timingSafeEqual(stored, presentedHash);
}

/** Inserts a new key in an open transaction and returns it with its secret. */
export async function insertApiKey(
  transaction: Queryable,
  pepper: string,
  workspaceId: string,
  input: CreateApiKeyInput,
): Promise<CreatedApiKey> {
  const { name, scopes, expiresAt } = parseInput(createApiKeySchema, input);
  const { key, prefix } = generateKey();
  const { rows } = await transaction.query<ApiKey>(
    `INSERT INTO api_keys (workspace_id, name, prefix, secret_hash, scopes, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${columns}`,
    [workspaceId, name, prefix, hashApiKey(pepper, key), [...new Set(scopes)], expiresAt ?? null],
  );
  return { apiKey: rows[0]!, secret: key };
}

export async function createApiKey(
  database: Database,
  pepper: string,
  scope: WorkspaceScope,
  input: CreateApiKeyInput,
): Promise<CreatedApiKey> {
  parseInput(createApiKeySchema, input);
  return withWorkspace(database, scope, (transaction) => insertApiKey(transaction, pepper, scope.workspaceId, input));
}

export function listApiKeys(database: Database, scope: WorkspaceScope): Promise<ApiKey[]> {
  return withWorkspace(database, scope, async (transaction) => {
    const { rows } = await transaction.query<ApiKey>(
      `SELECT ${columns} FROM api_keys WHERE workspace_id = $1 ORDER BY created_at, id`,
      [scope.workspaceId],
    );
    return rows;
  });
}

/** One page of a workspace's keys (never their secrets), oldest first. */
export function listApiKeysPage(database: Database, scope: WorkspaceScope, page: PageRequest): Promise<Page<ApiKey>> {
  return withWorkspace(database, scope, async (transaction) => {
    const clauses = pageClauses('', page, 2);
    const { rows } = await transaction.query<ApiKey & { cursorTime: string }>(
      `SELECT ${columns}, ${cursorTimeColumn('')} FROM api_keys WHERE workspace_id = $1 AND ${clauses.where} ${clauses.orderAndLimit}`,
      [scope.workspaceId, ...clauses.parameters],
    );
    return toPage(rows, page);
  });
}

/** Revokes a key by id or prefix; it stops authenticating on the next request. Revoking twice keeps the first time. */
export function revokeApiKey(database: Database, scope: WorkspaceScope, idOrPrefix: string): Promise<ApiKey> {
  return withWorkspace(database, scope, async (transaction) => {
    const { rows } = await transaction.query<ApiKey>(
      `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now())
       WHERE workspace_id = $1 AND ${isUuid(idOrPrefix) ? 'id = $2::uuid' : 'prefix = $2'} RETURNING ${columns}`,
      [scope.workspaceId, idOrPrefix],
    );
    if (!rows[0]) throw notFound(`API key "${idOrPrefix}" not found in this workspace`);
    return rows[0];
  });
}

/** A valid key's principal plus what the HTTP layer needs to know about it. */
export interface AuthenticatedApiKey extends KeyPrincipal {
  lastUsedAt: Date | null;
  /** The embedded first-start key recorded in deployment_settings 'bootstrap'. */
  isBootstrap: boolean;
}

/** Like authenticateApiKey, with last use and bootstrap flag, in the same single lookup. */
export async function authenticateApiKeyDetailed(
  database: Database,
  pepper: string,
  presented: string,
): Promise<AuthenticatedApiKey | null> {
  const match = keyPattern.exec(presented);
  if (!match) {
    presentedKeyMatches(pepper, presented, undefined);
    return null;
  }
  const row = await withControlPlane(database, async (transaction) => {
    const { rows } = await transaction.query<AuthenticatedApiKey & { secretHash: Uint8Array; usable: boolean }>(
      `SELECT k.id AS "apiKeyId", k.workspace_id AS "workspaceId", w.organization_id AS "organizationId",
              w.graph_group AS "graphGroup", k.scopes, k.secret_hash AS "secretHash", k.last_used_at AS "lastUsedAt",
              (k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())) AS usable,
              EXISTS (SELECT 1 FROM deployment_settings s
                      WHERE s.key = 'bootstrap' AND s.value->>'apiKeyId' = k.id::text) AS "isBootstrap"
       FROM api_keys k JOIN workspaces w ON w.id = k.workspace_id
       WHERE k.prefix = $1`,
      [match[1]],
    );
    return rows[0];
  });
  const secretMatches = presentedKeyMatches(pepper, presented, row?.secretHash);
  if (!row || !secretMatches || !row.usable) return null;
  return {
    apiKeyId: row.apiKeyId,
    workspaceId: row.workspaceId,
    organizationId: row.organizationId,
    graphGroup: row.graphGroup,
    scopes: row.scopes,
    lastUsedAt: row.lastUsedAt,
    isBootstrap: row.isBootstrap,
  };
}

/** Returns the key's principal, or null for a malformed, unknown, wrong, revoked or expired key. */
export async function authenticateApiKey(database: Database, pepper: string, presented: string): Promise<KeyPrincipal | null> {
  const authenticated = await authenticateApiKeyDetailed(database, pepper, presented);
  if (!authenticated) return null;
  const { apiKeyId, workspaceId, organizationId, graphGroup, scopes } = authenticated;
  return { apiKeyId, workspaceId, organizationId, graphGroup, scopes };
}

/**
 * Records that a key was used. The condition keeps it to one row write per key per interval even
 * when several processes race; callers skip the call when the key's lastUsedAt is recent.
 */
export async function recordApiKeyUse(
  database: Database,
  key: Pick<KeyPrincipal, 'apiKeyId' | 'workspaceId'>,
  intervalSeconds: number,
): Promise<void> {
  await withControlPlane(database, (transaction) =>
    transaction.query(
      `UPDATE api_keys SET last_used_at = now()
       WHERE workspace_id = $1 AND id = $2
         AND (last_used_at IS NULL OR last_used_at < now() - make_interval(secs => $3))`,
      [key.workspaceId, key.apiKeyId, intervalSeconds],
    ),
  );
}
