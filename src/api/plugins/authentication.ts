// Authentication and authorization for every route: the key from Authorization: Bearer or
// X-API-Key, a principal, and for /workspaces/:id routes the WorkspaceContext. Runs in onRequest,
// before the body is read, so unauthenticated callers cost no body parsing.
//
// Failed authentication is limited per client address (@fastify/rate-limit, shared through Redis
// when configured): an address over the limit is refused before its key is even looked at, so a
// right guess and a wrong one look alike to it. Every failure is counted and audited. Once the
// principal is known, every log line of the request carries it (ids, never the secret).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import { notReady, RagspaceError, rateLimited, unauthorized, validationError } from '../../errors.ts';
import { countAuthenticationFailure, countRateLimitRejection } from '../../observability/metrics.ts';
import { appendAuthenticationFailure, type AuditActor } from '../../tenancy/audit.ts';
import { customerIdSchema, type WorkspaceContext } from '../../tenancy/workspace-context.ts';
import { getWorkspace } from '../../tenancy/workspaces.ts';
import type { Runtime } from '../../runtime.ts';
import { authorize, type RouteAccess } from '../access.ts';
import { createPrincipalResolver, type Authentication, type Principal } from '../principal.ts';
import { clientAddressKey, reportUncounted } from '../rate-limit-store.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route. Every route must declare it; see access.ts. */
    access?: RouteAccess;
    /**
     * The route revokes or deletes keys: its response waits until this process's key cache has
     * applied the change, so the caller's next request here already fails with the old key.
     */
    revokesCredentials?: boolean;
  }
  interface FastifyRequest {
    principal: Principal | null;
    workspaceContext: WorkspaceContext | null;
  }
}

export interface AuthenticationOptions {
  runtime: Runtime;
  /** Failed authentications one client address may make per minute before it gets 429; null: unlimited (benchmarks, tests). */
  failuresPerMinute: number | null;
  /** Seconds between last_used_at writes for one key. */
  lastUsedIntervalSeconds: number;
  /** Path prefixes served by third-party plugins (API docs) that are public by design. */
  publicPrefixes: readonly string[];
}

/** The key a request presents, or null when it presents none. */
export function presentedKey(request: FastifyRequest): string | null {
  const authorization = request.headers.authorization;
  const headerKey = request.headers['x-api-key'];
  if (Array.isArray(headerKey)) throw unauthorized('Send one X-API-Key header');
  let bearer: string | undefined;
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) throw unauthorized('The Authorization header must be "Bearer <key>"');
    bearer = match[1];
  }
  if (bearer !== undefined && headerKey !== undefined && bearer !== headerKey) {
    throw unauthorized('Authorization and X-API-Key carry different keys; send one');
  }
  return bearer ?? headerKey ?? null;
}

function customerIdOf(request: FastifyRequest): string | null {
  const value = request.headers['x-customer-id'];
  if (value === undefined) return null;
  if (typeof value !== 'string' || !customerIdSchema.safeParse(value).success) {
    throw validationError('X-Customer-Id must be 1-200 characters of letters, digits and . _ : @ -', [
      { path: 'headers.x-customer-id', message: 'invalid customer id' },
    ]);
  }
  return value;
}

/** The request's WorkspaceContext; only workspace routes have one. */
export function workspaceContextOf(request: FastifyRequest): WorkspaceContext {
  if (!request.workspaceContext) {
    throw new Error(`${request.method} ${request.routeOptions.url} has no WorkspaceContext: declare access.workspace(...) or access.keyWorkspace(...)`);
  }
  return request.workspaceContext;
}

/** The request's principal; every non-public route has one. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error(`${request.method} ${request.routeOptions.url} has no principal`);
  return request.principal;
}

/** The credential id a principal is known by in logs and the audit trail (never a secret). */
function principalKeyId(principal: Principal): string | null {
  if (principal.kind === 'organization_admin') return principal.organizationApiKeyId;
  return principal.apiKeyId;
}

/** Who made this request, for the audit trail. */
export function auditActorOf(request: FastifyRequest): AuditActor {
  const principal = request.principal;
  return {
    principalKind: principal?.kind ?? 'anonymous',
    principalId: principal ? principalKeyId(principal) : null,
    clientAddress: request.ip,
    requestId: request.id,
  };
}

/** The public prefix of a presented key (rsk_…/rso_…), which is safe to record; null for anything else. */
function publicPrefixOf(presented: string): string | null {
  return /^(rs[ko]_[a-z0-9]{12})_/.exec(presented)?.[1] ?? null;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** The log fields that say who is calling: ids only. */
function identityFields(authentication: Authentication): { principal: string; keyId: string; organizationId?: string; workspaceId?: string } {
  const { principal } = authentication;
  const keyId = principalKeyId(principal) ?? authentication.credentialId;
  if (principal.kind === 'workspace_key') return { principal: principal.kind, keyId, organizationId: principal.organizationId, workspaceId: principal.workspaceId };
  if (principal.kind === 'organization_admin') return { principal: principal.kind, keyId, organizationId: principal.organizationId };
  return { principal: principal.kind, keyId };
}

export const authenticationPlugin = fastifyPlugin<AuthenticationOptions>(
  async (app, options) => {
    const { runtime, failuresPerMinute, lastUsedIntervalSeconds, publicPrefixes } = options;
    const principals = createPrincipalResolver({
      database: runtime.database,
      pepper: runtime.keyPepper,
      adminKey: runtime.config.adminKey,
      lastUsedIntervalSeconds,
      onPollError: (error) => runtime.logger.warn({ err: error }, 'could not read the credential change log; authenticating from the database'),
    });
    const metricsTokenDigest = runtime.config.metrics.token === undefined ? undefined : digest(runtime.config.metrics.token);
    const failures =
      failuresPerMinute === null
        ? null
        : app.createRateLimit({
            keyGenerator: (request) => `authentication-failures:${clientAddressKey(request)}`,
            max: failuresPerMinute,
            timeWindow: 60_000,
          });
    // last_used_at writes in flight, one per credential at most; awaited on close.
    const pendingUseWrites = new Map<string, Promise<void>>();
    let closing = false;

    const findWorkspace = (id: string) =>
      getWorkspace(runtime.database, id).catch((error: unknown) => {
        if (error instanceof RagspaceError && error.code === 'not_found') return null;
        throw error;
      });

    app.decorateRequest('principal', null);
    app.decorateRequest('workspaceContext', null);

    // Fail at start-up, not in production, when a route forgets to say who may call it.
    app.addHook('onRoute', (route) => {
      if (route.config?.access) return;
      // CORS preflights carry no key by design; API docs are public.
      const isPreflight = [route.method].flat().includes('OPTIONS');
      if (isPreflight || publicPrefixes.some((prefix) => route.url.startsWith(prefix))) {
        route.config = { ...route.config, access: { kind: 'public' } };
        return;
      }
      throw new Error(`Route ${String(route.method)} ${route.url} declares no config.access`);
    });

    app.addHook('preClose', async () => {
      closing = true;
    });
    app.addHook('onClose', async () => {
      await Promise.allSettled(pendingUseWrites.values());
      await principals.close();
    });

    app.addHook('onSend', async (request, reply) => {
      if (!request.routeOptions.config.revokesCredentials || reply.statusCode >= 300) return;
      // The change is committed either way; other processes (and this one, if this fails) see it within a second.
      await principals.refresh().catch((error: unknown) => request.log.warn({ err: error }, 'could not refresh the key cache'));
    });

    // A refused request (no key, a bad one, over a limit, another tenant's path) is logged too, by
    // whoever it was sent as: the line says what was asked for (its URL masked), never a secret.
    app.addHook('onRequest', async (request, reply) => {
      try {
        await authenticate(request, reply);
      } catch (error) {
        request.log.info({ req: request }, 'incoming request');
        throw error;
      }
    });

    async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void> {
      if (closing) {
        reply.header('connection', 'close');
        throw notReady('The server is shutting down; retry shortly or on another instance');
      }
      const accessRule = request.routeOptions.config.access;
      // No route matched: the not-found handler answers, no key needed to learn a path does not exist.
      if (!accessRule || accessRule.kind === 'public') {
        request.log.info({ req: request }, 'incoming request');
        return;
      }

      const key = presentedKey(request);
      if (key === null) {
        reply.header('www-authenticate', 'Bearer realm="ragspace"');
        throw unauthorized('Missing API key: send "Authorization: Bearer <key>" or "X-API-Key: <key>"');
      }
      // GET /metrics also accepts the scrape token, which is no principal and goes no further.
      if (accessRule.kind === 'metrics' && metricsTokenDigest && timingSafeEqual(digest(key), metricsTokenDigest)) {
        request.log.info({ req: request, principal: 'metrics_token' }, 'incoming request');
        return;
      }

      // Counters unreachable (Redis down): authenticate anyway rather than lock everyone out.
      const uncounted = (error: unknown) => reportUncounted(request.log, error);
      const recent = await failures?.(request, { increment: false }).catch(uncounted);
      if (recent && !recent.isAllowed && recent.remaining === 0) {
        countRateLimitRejection({ workspaceId: null, limit: 'authentication_failures' });
        reply.header('retry-after', String(recent.ttlInSeconds));
        throw rateLimited(`Too many failed authentications from this address; retry in ${recent.ttlInSeconds} s`, {
          limit: 'authentication_failures',
          retryAfterSeconds: recent.ttlInSeconds,
        });
      }
      const authentication = await principals.resolve(key);
      if (!authentication) {
        countAuthenticationFailure();
        await failures?.(request).catch(uncounted);
        await appendAuthenticationFailure(runtime.database, auditActorOf(request), publicPrefixOf(key), 'invalid, expired or revoked key');
        reply.header('www-authenticate', 'Bearer realm="ragspace", error="invalid_token"');
        throw unauthorized('Invalid, expired or revoked API key');
      }
      request.principal = authentication.principal;
      // From here on every line of this request (the handler's, the error handler's, "request completed") says who.
      const identity = identityFields(authentication);
      request.log = request.log.child(identity);
      reply.log = request.log;

      const { recordUse, credentialId } = authentication;
      if (recordUse && !pendingUseWrites.has(credentialId)) {
        const write = recordUse()
          .catch((error: unknown) => request.log.warn({ err: error }, 'could not record API key use'))
          .finally(() => pendingUseWrites.delete(credentialId));
        pendingUseWrites.set(credentialId, write);
      }

      const pathId = (request.params as Record<string, string | undefined> | undefined)?.id;
      request.workspaceContext = await authorize({
        access: accessRule,
        principal: authentication.principal,
        pathId,
        customerId: customerIdOf(request),
        findWorkspace,
      });
      // An admin's workspace is known only now.
      if (request.workspaceContext && identity.workspaceId === undefined) {
        const { organizationId, workspaceId } = request.workspaceContext;
        request.log = request.log.child({ organizationId, workspaceId });
        reply.log = request.log;
      }
      request.log.info({ req: request }, 'incoming request');
    }
  },
  { name: 'ragspace-authentication', fastify: '5.x', dependencies: ['ragspace-errors', '@fastify/rate-limit'] },
);
