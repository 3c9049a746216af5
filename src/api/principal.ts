// Who is calling: the kinds of credential the API accepts, resolved from one presented key.
// RAGSPACE_ADMIN_KEY is compared in memory; every other key is found by its prefix through the
// credential cache (no query once a key has been seen; revocations reach every process within a
// second) and compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from '../db/database.ts';
import { createCredentialCache, type CredentialCache } from '../tenancy/credential-cache.ts';
import { credentialAccepts, recordCredentialUse, type StoredCredential } from '../tenancy/credentials.ts';
import { parseKey } from '../tenancy/key-material.ts';
import type { ApiKeyScope } from '../tenancy/workspace-context.ts';

export type Principal =
  | {
      kind: 'platform_admin';
      /** The platform key's id (rsp_…); null for RAGSPACE_ADMIN_KEY. */
      apiKeyId: string | null;
    }
  | {
      kind: 'organization_admin';
      organizationId: string;
      organizationApiKeyId: string;
    }
  | {
      kind: 'workspace_key';
      apiKeyId: string;
      workspaceId: string;
      organizationId: string;
      graphGroup: string;
      scopes: readonly ApiKeyScope[];
    };

/** A resolved principal and, when its key's last_used_at is stale, the write that refreshes it. */
export interface Authentication {
  principal: Principal;
  /** A stable identity for rate limiting and de-duplicating last-use writes. */
  credentialId: string;
  /** Present when last_used_at should be written now (null or older than the interval). */
  recordUse?: () => Promise<void>;
}

export interface PrincipalResolverOptions {
  database: Database;
  pepper: string;
  /** RAGSPACE_ADMIN_KEY, if configured. */
  adminKey: string | undefined;
  /** last_used_at is written at most once per this many seconds per key. */
  lastUsedIntervalSeconds: number;
  /** The cache of keys seen (default: one of this resolver's own, polling with default settings). */
  credentials?: CredentialCache;
  /**
   * A refusal is answered no sooner than this many milliseconds after the check began (default 5),
   * so its timing does not tell whether the key's prefix exists, even the first time a prefix is
   * presented and has to be looked up in the database (longer when a row is found).
   */
  refusalFloorMs?: number;
  onPollError?: (error: unknown) => void;
}

export interface PrincipalResolver {
  resolve(presented: string): Promise<Authentication | null>;
  /** Applies every credential change committed so far (call after revoking in this process). */
  refresh(): Promise<void>;
  close(): Promise<void>;
}

/** Fixed-length digests let timingSafeEqual compare secrets of any length. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function isStale(lastUsedAt: Date | null, intervalSeconds: number): boolean {
  return lastUsedAt === null || Date.now() - new Date(lastUsedAt).getTime() >= intervalSeconds * 1000;
}

function principalOf(credential: StoredCredential): Principal {
  switch (credential.kind) {
    case 'rsp':
      return { kind: 'platform_admin', apiKeyId: credential.id };
    case 'rso':
      return { kind: 'organization_admin', organizationId: credential.organizationId, organizationApiKeyId: credential.id };
    case 'rsk':
      return {
        kind: 'workspace_key',
        apiKeyId: credential.id,
        workspaceId: credential.workspaceId,
        organizationId: credential.organizationId,
        graphGroup: credential.graphGroup,
        scopes: credential.scopes,
      };
  }
}

const credentialIdPrefixes = { rsp: 'platform-key', rso: 'organization-key', rsk: 'workspace-key' } as const;

const defaultRefusalFloorMs = 5;

/** Resolves a presented key to a principal, or null. Start with resolver.refresh() or let the cache poll. */
export function createPrincipalResolver(options: PrincipalResolverOptions): PrincipalResolver {
  const { database, pepper, adminKey, lastUsedIntervalSeconds: interval } = options;
  const adminDigest = adminKey === undefined ? undefined : digest(adminKey);
  const credentials = options.credentials ?? createCredentialCache({ database, onPollError: options.onPollError });
  credentials.start();
  const refusalFloorMs = options.refusalFloorMs ?? defaultRefusalFloorMs;

  async function refuse(startedAt: number): Promise<null> {
    const remaining = startedAt + refusalFloorMs - performance.now();
    if (remaining > 0) await sleep(remaining);
    return null;
  }

  return {
    async resolve(presented) {
      const startedAt = performance.now();
      // Always compare, so the timing does not tell whether an admin key is configured.
      const adminMatches = timingSafeEqual(digest(presented), adminDigest ?? digest(`${presented}\u0000not-configured`));
      if (adminDigest && adminMatches) {
        return { principal: { kind: 'platform_admin', apiKeyId: null }, credentialId: 'platform-admin-key' };
      }
      const parsed = parseKey(presented);
      const credential = parsed ? await credentials.find(parsed.kind, parsed.prefix) : null;
      if (!credentialAccepts(pepper, presented, credential) || !credential) return refuse(startedAt);
      const recordUse = isStale(credential.lastUsedAt, interval)
        ? async () => {
            await recordCredentialUse(database, credential, interval);
            // The cached copy now knows, so this process writes again only after the interval.
            credential.lastUsedAt = new Date();
          }
        : undefined;
      return { principal: principalOf(credential), credentialId: `${credentialIdPrefixes[credential.kind]}:${credential.id}`, recordUse };
    },
    refresh: () => credentials.refresh(),
    close: () => credentials.close(),
  };
}
