// Workspace API keys (ARCHITECTURE.md invariant 4): shown once, stored as HMAC-SHA-256 with a
// server pepper, found by a public prefix, compared in constant time, scoped, expirable, revocable.
import { z } from 'zod';
import type { Database, Queryable } from '../db/database.ts';
import { isUuid, withWorkspace, type WorkspaceScope } from '../db/workspace-scope.ts';
import { notFound } from '../errors.ts';
import { recordAuditEvent, type AuditActor } from './audit.ts';
import { credentialAccepts, findCredential } from './credentials.ts';
import { generateKey, hashApiKey, parseKey } from './key-material.ts';
import { cursorTimeColumn, pageClauses, toPage, type Page, type PageRequest } from './pagination.ts';
import { futureExpirySchema, nameSchema, parseInput } from './validation.ts';
import { apiKeyScopes, type ApiKeyScope } from './workspace-context.ts';

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

/** Inserts a new key in an open transaction and returns it with its secret. */
export async function insertApiKey(
  transaction: Queryable,
  pepper: string,
  workspaceId: string,
  input: CreateApiKeyInput,
): Promise<CreatedApiKey> {
  const { name, scopes, expiresAt } = parseInput(createApiKeySchema, input);
  const { key, prefix } = generateKey('rsk');
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
  actor?: AuditActor,
): Promise<CreatedApiKey> {
  parseInput(createApiKeySchema, input);
  return withWorkspace(database, scope, async (transaction) => {
    const created = await insertApiKey(transaction, pepper, scope.workspaceId, input);
    if (actor) await recordKeyEvent(transaction, actor, 'api_key.created', created.apiKey);
    return created;
  });
}

/** The audit event of a key's creation or revocation, in the same transaction as the change. */
function recordKeyEvent(transaction: Queryable, actor: AuditActor, action: 'api_key.created' | 'api_key.revoked', key: ApiKey) {
  return recordAuditEvent(transaction, actor, {
    action,
    workspaceId: key.workspaceId,
    target: { type: 'api_key', id: key.id },
    details: { prefix: key.prefix, name: key.name, scopes: key.scopes },
  });
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
export function revokeApiKey(database: Database, scope: WorkspaceScope, idOrPrefix: string, actor?: AuditActor): Promise<ApiKey> {
  return withWorkspace(database, scope, async (transaction) => {
    const { rows } = await transaction.query<ApiKey>(
      `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now())
       WHERE workspace_id = $1 AND ${isUuid(idOrPrefix) ? 'id = $2::uuid' : 'prefix = $2'} RETURNING ${columns}`,
      [scope.workspaceId, idOrPrefix],
    );
    if (!rows[0]) throw notFound(`API key "${idOrPrefix}" not found in this workspace`);
    if (actor) await recordKeyEvent(transaction, actor, 'api_key.revoked', rows[0]);
    return rows[0];
  });
}

/**
 * Returns the key's principal, or null for a malformed, unknown, wrong, revoked or expired key.
 * One database lookup per call: the API authenticates through its credential cache instead.
 */
export async function authenticateApiKey(database: Database, pepper: string, presented: string): Promise<KeyPrincipal | null> {
  const parsed = parseKey(presented);
  const credential = parsed?.kind === 'rsk' ? await findCredential(database, 'rsk', parsed.prefix) : null;
  if (!credentialAccepts(pepper, presented, credential) || credential?.kind !== 'rsk') return null;
  const { id: apiKeyId, workspaceId, organizationId, graphGroup, scopes } = credential;
  return { apiKeyId, workspaceId, organizationId, graphGroup, scopes };
}
