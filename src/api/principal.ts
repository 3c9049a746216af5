// Who is calling: the three kinds of credential the API accepts, resolved from one presented key.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Database } from '../db/database.ts';
import { authenticateApiKeyDetailed, recordApiKeyUse } from '../tenancy/api-keys.ts';
import {
  authenticateOrganizationApiKey,
  isOrganizationKeyFormat,
  recordOrganizationApiKeyUse,
} from '../tenancy/organization-keys.ts';
import type { ApiKeyScope } from '../tenancy/workspace-context.ts';

export type Principal =
  | {
      kind: 'platform_admin';
      /** The bootstrap key's id when that is the credential; null for RAGSPACE_ADMIN_KEY. */
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
  /** Whether the embedded bootstrap key counts as platform admin (embedded mode only). */
  bootstrapIsPlatformAdmin: boolean;
  /** last_used_at is written at most once per this many seconds per key. */
  lastUsedIntervalSeconds: number;
}

/** Fixed-length digests let timingSafeEqual compare secrets of any length. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}


function isStale(lastUsedAt: Date | null, intervalSeconds: number): boolean {
  return lastUsedAt === null || Date.now() - new Date(lastUsedAt).getTime() >= intervalSeconds * 1000;
}

/**
 * Resolves a presented key to a principal, or null. No cache: every request reads the key's row,
 * so a revoked key fails on the next request in every process.
 */
export function createPrincipalResolver(options: PrincipalResolverOptions) {
  const { database, pepper, adminKey, lastUsedIntervalSeconds: interval } = options;
  const adminDigest = adminKey === undefined ? undefined : digest(adminKey);

  return async function resolvePrincipal(presented: string): Promise<Authentication | null> {
    // Always compare, so the timing does not tell whether an admin key is configured.
    const adminMatches = timingSafeEqual(digest(presented), adminDigest ?? digest(`${presented}\u0000not-configured`));
    if (adminDigest && adminMatches) {
      return { principal: { kind: 'platform_admin', apiKeyId: null }, credentialId: 'platform-admin-key' };
    }

    if (isOrganizationKeyFormat(presented)) {
      const key = await authenticateOrganizationApiKey(database, pepper, presented);
      if (!key) return null;
      return {
        principal: { kind: 'organization_admin', organizationId: key.organizationId, organizationApiKeyId: key.organizationApiKeyId },
        credentialId: `organization-key:${key.organizationApiKeyId}`,
        recordUse: isStale(key.lastUsedAt, interval)
          ? () => recordOrganizationApiKeyUse(database, key, interval)
          : undefined,
      };
    }

    const key = await authenticateApiKeyDetailed(database, pepper, presented);
    if (!key) return null;
    const recordUse = isStale(key.lastUsedAt, interval) ? () => recordApiKeyUse(database, key, interval) : undefined;
    const credentialId = `workspace-key:${key.apiKeyId}`;
    if (key.isBootstrap && options.bootstrapIsPlatformAdmin && key.scopes.includes('admin')) {
      return { principal: { kind: 'platform_admin', apiKeyId: key.apiKeyId }, credentialId, recordUse };
    }
    return {
      principal: {
        kind: 'workspace_key',
        apiKeyId: key.apiKeyId,
        workspaceId: key.workspaceId,
        organizationId: key.organizationId,
        graphGroup: key.graphGroup,
        scopes: key.scopes,
      },
      credentialId,
      recordUse,
    };
  };
}

export type PrincipalResolver = ReturnType<typeof createPrincipalResolver>;
