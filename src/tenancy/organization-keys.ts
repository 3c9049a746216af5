// Organization admin keys: administer every workspace of one organization. Same storage rules as
// workspace keys (invariant 4): shown once, HMAC-SHA-256 with the server pepper, found by a public
// prefix ("rso_…"), compared in constant time, expirable, revocable with effect on the next request.
import { z } from 'zod';
import type { Database, Queryable } from '../db/database.ts';
import { isUuid, withControlPlane } from '../db/workspace-scope.ts';
import { notFound } from '../errors.ts';
import { generateKey, hashApiKey } from './key-material.ts';
import { recordAuditEvent, type AuditActor } from './audit.ts';
import { findOrganization } from './organizations.ts';
import { cursorTimeColumn, pageClauses, toPage, type Page, type PageRequest } from './pagination.ts';
import { futureExpirySchema, nameSchema, parseInput } from './validation.ts';

export interface OrganizationApiKey {
  id: string;
  organizationId: string;
  name: string;
  prefix: string;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  createdAt: Date;
}

export interface CreatedOrganizationApiKey {
  apiKey: OrganizationApiKey;
  /** The full key. Returned once, never stored, never logged. */
  secret: string;
}

const columns = `id, organization_id AS "organizationId", name, prefix, expires_at AS "expiresAt",
  revoked_at AS "revokedAt", last_used_at AS "lastUsedAt", created_at AS "createdAt"`;

export const createOrganizationApiKeySchema = z.strictObject({
  name: nameSchema.default('Organization admin key'),
  expiresAt: futureExpirySchema.nullable().optional(),
});

export interface CreateOrganizationApiKeyInput {
  name?: string;
  expiresAt?: string | Date | null;
}

/** Inserts an organization admin key inside an open control-plane transaction; with an actor, audits it there too. */
export async function insertOrganizationApiKey(
  transaction: Queryable,
  pepper: string,
  organizationId: string,
  input: CreateOrganizationApiKeyInput,
  actor?: AuditActor,
): Promise<CreatedOrganizationApiKey> {
  const { name, expiresAt } = parseInput(createOrganizationApiKeySchema, input);
  const { key, prefix } = generateKey('rso');
  const { rows } = await transaction.query<OrganizationApiKey>(
    `INSERT INTO organization_api_keys (organization_id, name, prefix, secret_hash, expires_at)
     VALUES ($1, $2, $3, $4, $5) RETURNING ${columns}`,
    [organizationId, name, prefix, hashApiKey(pepper, key), expiresAt ?? null],
  );
  if (actor) await recordOrganizationKeyEvent(transaction, actor, 'organization_api_key.created', rows[0]!);
  return { apiKey: rows[0]!, secret: key };
}

function recordOrganizationKeyEvent(
  transaction: Queryable,
  actor: AuditActor,
  action: 'organization_api_key.created' | 'organization_api_key.revoked',
  key: OrganizationApiKey,
) {
  return recordAuditEvent(transaction, actor, {
    action,
    organizationId: key.organizationId,
    target: { type: 'organization_api_key', id: key.id },
    details: { prefix: key.prefix, name: key.name },
  });
}

export async function createOrganizationApiKey(
  database: Database,
  pepper: string,
  organizationReference: string,
  input: CreateOrganizationApiKeyInput,
  actor?: AuditActor,
): Promise<CreatedOrganizationApiKey> {
  parseInput(createOrganizationApiKeySchema, input);
  return withControlPlane(database, async (transaction) => {
    const organization = await findOrganization(transaction, organizationReference);
    return insertOrganizationApiKey(transaction, pepper, organization.id, input, actor);
  });
}

/** One page of an organization's admin keys (never their secrets), oldest first. */
export function listOrganizationApiKeysPage(
  database: Database,
  organizationReference: string,
  page: PageRequest,
): Promise<Page<OrganizationApiKey>> {
  return withControlPlane(database, async (transaction) => {
    const organization = await findOrganization(transaction, organizationReference);
    const clauses = pageClauses('', page, 2);
    const { rows } = await transaction.query<OrganizationApiKey & { cursorTime: string }>(
      `SELECT ${columns}, ${cursorTimeColumn('')} FROM organization_api_keys
       WHERE organization_id = $1 AND ${clauses.where} ${clauses.orderAndLimit}`,
      [organization.id, ...clauses.parameters],
    );
    return toPage(rows, page);
  });
}

/** Revokes an organization key by id or prefix; it stops authenticating on the next request. */
export function revokeOrganizationApiKey(
  database: Database,
  organizationReference: string,
  idOrPrefix: string,
  actor?: AuditActor,
): Promise<OrganizationApiKey> {
  return withControlPlane(database, async (transaction) => {
    const organization = await findOrganization(transaction, organizationReference);
    const { rows } = await transaction.query<OrganizationApiKey>(
      `UPDATE organization_api_keys SET revoked_at = coalesce(revoked_at, now())
       WHERE organization_id = $1 AND ${isUuid(idOrPrefix) ? 'id = $2::uuid' : 'prefix = $2'} RETURNING ${columns}`,
      [organization.id, idOrPrefix],
    );
    if (!rows[0]) throw notFound(`API key "${idOrPrefix}" not found in this organization`);
    if (actor) await recordOrganizationKeyEvent(transaction, actor, 'organization_api_key.revoked', rows[0]);
    return rows[0];
  });
}
