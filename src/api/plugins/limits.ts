// What a tenant may do at all, checked on every authenticated request once its principal and
// workspace are known: a suspended organization or workspace is refused (403), and requests are
// counted against the plan's requestsPerMinute (429 rate_limited beyond it), with
// X-RateLimit-Limit/-Remaining/-Reset on every response that a limit applies to.
//
// Counters (@fastify/rate-limit, fixed one-minute windows, in Redis when configured):
// - per workspace, for every request on its routes whoever sends it, so more keys do not
//   multiply the allowance; limit: the workspace's effective requestsPerMinute;
// - per organization admin key, for all its requests across its organization's workspaces and
//   on the organization's own routes; limit: the organization plan's requestsPerMinute. (A
//   workspace key only ever reaches its own workspace, whose counter already bounds it.)
// The platform admin (RAGSPACE_ADMIN_KEY, or the embedded bootstrap key) is the operator, not a
// tenant: never counted, never throttled, never refused for a suspension it has to be able to lift.
//
// A tenant's status and limits are read from the database at most once a second per process
// (they cost a transaction, a sixth of a small search on the embedded database): a change made
// through this process's API applies to its next request, one made elsewhere (CLI, another
// server process) within a second.
import type { FastifyReply, FastifyRequest } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import { rateLimited } from '../../errors.ts';
import { countRateLimitRejection } from '../../observability/metrics.ts';
import type { Runtime } from '../../runtime.ts';
import { getEffectiveLimits, getOrganizationLimits, type EffectiveLimits, type OrganizationLimits } from '../../tenancy/plans.ts';
import { assertActive } from '../../tenancy/tenant-status.ts';
import { reportUncounted } from '../rate-limit-store.ts';

export interface LimitsOptions {
  runtime: Runtime;
  /** Count requests against the plans' requestsPerMinute (false: only suspension is enforced, for benchmarks and tests). */
  rateLimits: boolean;
  /** How long a tenant's status and limits are reused before they are read again (default 1,000 ms). */
  standingCacheMs?: number;
}

/** One counter a request is charged to. */
interface Bucket {
  name: 'workspace' | 'api_key';
  key: string;
  limit: number;
}

const windowMs = 60_000;
const currentBucket = Symbol('ragspace.rateLimitBucket');

declare module 'fastify' {
  interface FastifyRequest {
    [currentBucket]?: Bucket;
  }
  interface FastifyContextConfig {
    /** A successful call changes a tenant's status or limits: the limits plugin forgets what it had read. */
    changesTenantStanding?: boolean;
  }
}

/** Reads shared for a short while: concurrent requests of one tenant wait for one read, not one each. */
function createStandingCache(ttlMs: number, maximumEntries = 10_000) {
  const entries = new Map<string, { expires: number; value: Promise<unknown> }>();
  return {
    get<Value>(key: string, read: () => Promise<Value>): Promise<Value> {
      const now = Date.now();
      const entry = entries.get(key);
      if (entry && entry.expires > now) return entry.value as Promise<Value>;
      const value = read();
      entries.set(key, { expires: now + ttlMs, value });
      // A failed read is not kept; the next request reads again.
      value.catch(() => entries.delete(key));
      if (entries.size > maximumEntries) entries.delete(entries.keys().next().value!);
      return value;
    },
    clear: () => entries.clear(),
  };
}

export const limitsPlugin = fastifyPlugin<LimitsOptions>(
  async (app, { runtime, rateLimits, standingCacheMs = 1_000 }) => {
    const { database } = runtime;
    const standings = createStandingCache(standingCacheMs);
    const workspaceStanding = (workspaceId: string) =>
      standings.get<EffectiveLimits>(`workspace:${workspaceId}`, () => getEffectiveLimits(database, workspaceId));
    const organizationStanding = (organizationId: string) =>
      standings.get<OrganizationLimits>(`organization:${organizationId}`, () => getOrganizationLimits(database, organizationId));

    // Before the answer leaves, so the caller's next request already sees the change.
    app.addHook('onSend', async (request, reply) => {
      if (request.routeOptions.config.changesTenantStanding && reply.statusCode < 400) standings.clear();
    });
    // One limiter over many counters: the bucket being charged decides the key and the limit.
    const charge = app.createRateLimit({
      keyGenerator: (request) => request[currentBucket]!.key,
      max: (request) => request[currentBucket]!.limit,
      timeWindow: windowMs,
      // Beyond the default 5,000 in-memory counters, the least recently used would start over.
      ...({ cache: 100_000 } as object),
    });

    /** Charges each bucket; throws 429 at the first one over its limit. Sets the headers of the tightest. */
    async function enforce(request: FastifyRequest, reply: FastifyReply, buckets: Bucket[]): Promise<void> {
      let tightest: { limit: number; remaining: number; resetSeconds: number } | undefined;
      for (const bucket of buckets) {
        request[currentBucket] = bucket;
        let result: Awaited<ReturnType<typeof charge>>;
        try {
          result = await charge(request);
        } catch (error) {
          // Redis down: serve rather than refuse everyone.
          reportUncounted(request.log, error);
          return;
        }
        if (result.isAllowed) continue;
        const state = { limit: result.max, remaining: result.remaining, resetSeconds: result.ttlInSeconds };
        if (!tightest || state.remaining < tightest.remaining) tightest = state;
        if (result.isExceeded) {
          reply.header('x-ratelimit-limit', result.max).header('x-ratelimit-remaining', 0).header('x-ratelimit-reset', result.ttlInSeconds);
          reply.header('retry-after', result.ttlInSeconds);
          const workspaceId = request.workspaceContext?.workspaceId ?? null;
          countRateLimitRejection({ workspaceId, limit: bucket.name });
          const whose = bucket.name === 'workspace' ? 'this workspace' : 'this organization admin key';
          throw rateLimited(`Rate limit of ${result.max} requests a minute reached for ${whose}; retry in ${result.ttlInSeconds} s`, {
            limit: bucket.name,
            requestsPerMinute: result.max,
            retryAfterSeconds: result.ttlInSeconds,
          });
        }
      }
      if (tightest) {
        reply.header('x-ratelimit-limit', tightest.limit).header('x-ratelimit-remaining', tightest.remaining).header('x-ratelimit-reset', tightest.resetSeconds);
      }
    }

    // Registered after ragspace-authentication, so this runs once the principal and workspace are known.
    app.addHook('onRequest', async (request, reply) => {
      const principal = request.principal;
      if (!principal || principal.kind === 'platform_admin') return;
      const context = request.workspaceContext;
      const buckets: Bucket[] = [];

      if (context) {
        const standing = await workspaceStanding(context.workspaceId);
        assertActive(standing);
        const perMinute = standing.limits.requestsPerMinute;
        if (perMinute !== null) buckets.push({ name: 'workspace', key: `workspace:${context.workspaceId}`, limit: perMinute });
        if (principal.kind === 'organization_admin' && standing.planLimits.requestsPerMinute !== null) {
          buckets.push({ name: 'api_key', key: `organization-key:${principal.organizationApiKeyId}`, limit: standing.planLimits.requestsPerMinute });
        }
      } else if (principal.kind === 'organization_admin') {
        const standing = await organizationStanding(principal.organizationId);
        assertActive(standing);
        const perMinute = standing.limits.requestsPerMinute;
        if (perMinute !== null) buckets.push({ name: 'api_key', key: `organization-key:${principal.organizationApiKeyId}`, limit: perMinute });
      }

      if (rateLimits && buckets.length > 0) await enforce(request, reply, buckets);
    });
  },
  { name: 'ragspace-limits', fastify: '5.x', dependencies: ['ragspace-authentication', '@fastify/rate-limit'] },
);
