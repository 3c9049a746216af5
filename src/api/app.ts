// The Fastify application. Routes receive the Runtime; nothing here opens databases itself.
// The cross-cutting plugins (errors, security headers, metrics, authentication, limits, metering,
// OpenAPI) are fastify-plugin plugins with names and declared dependencies, registered on the root
// instance before any route file, so every route inherits their hooks.
import { randomUUID } from 'node:crypto';
import fastifyRateLimit from '@fastify/rate-limit';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import type { Runtime } from '../runtime.ts';
import type { IngestionDependencies } from '../ingestion/documents.ts';
import { limitDocumentWriters } from '../ingestion/document-writers.ts';
import { startIngestionJobs, type IngestionJobOptions } from '../jobs/ingestion-worker.ts';
import { systemClock, type Clock } from '../tenancy/clock.ts';
import { createRequestQuotaBlocks } from '../tenancy/request-quota-blocks.ts';
import { createUsageRecorder } from '../tenancy/usage.ts';
import { packageVersion } from '../version.ts';
import { authenticationPlugin } from './plugins/authentication.ts';
import { clientErrorHandler, errorHandlingPlugin, frameworkErrorHandler, maximumPathParameterLength } from './plugins/errors.ts';
import { meteringPlugin, type ApiMetering } from './plugins/metering.ts';
import { docsPrefix, openApiPlugin } from './plugins/openapi.ts';
import { limitsPlugin } from './plugins/limits.ts';
import { metricsPlugin } from './plugins/metrics.ts';
import { requestInputPlugin } from './plugins/request-input.ts';
import { securityHeadersPlugin } from './plugins/security-headers.ts';
import { connectRateLimitRedis, rateLimitPluginOptions } from './rate-limit-store.ts';
import type { RouteDependencies, RouteModule } from './route-module.ts';
import { coreRoutes } from './routes/index.ts';

export interface AppOptions {
  /** More route files (optional features, tests), registered after routes/index.ts's with the same hooks. */
  extraRoutes?: readonly RouteModule[];
  /**
   * Rate limits (plan requests per minute, failed authentications and sign-ups per address);
   * false turns them all off (benchmarks, tests). Suspension is enforced either way.
   */
  rateLimit?: boolean;
  /** false: no ragspace-limits plugin at all (no suspension, no rate limits): a benchmark's baseline, never a deployment. */
  tenantLimits?: boolean;
  /** Seconds between last_used_at writes for one key (default 60). */
  lastUsedIntervalSeconds?: number;
  /** Background ingestion (defaults from the config: RAGSPACE_INGESTION_WORKERS, RAGSPACE_JOB_LEASE_SECONDS). */
  ingestionJobs?: Partial<IngestionJobOptions>;
  /** Uploads at least this large are answered 202 and ingested in the background (default 512 KiB). */
  asyncUploadThresholdBytes?: number;
  /** Version shown in the OpenAPI document (default: package.json's). */
  version?: string;
  /** Quotas and usage accounting; false turns both off, `quotas: false` the quotas only (benchmark baselines). `clock` moves time in tests. */
  metering?: false | { clock?: Clock; quotas?: boolean };
}

const incomingRequestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

/** Fastify's "incoming request" line would precede authentication; plugins/authentication.ts logs it once it knows who is calling. */
class AuthenticatedRequestLog extends LogController {
  override incomingRequest(): void {}
}
// How often Node checks open connections against the request and header timeouts (its default, 30 s,
// would let a slow client overstay a short timeout by that much).
const connectionsCheckingIntervalMs = 1_000;

export async function buildApp(runtime: Runtime, options: AppOptions = {}): Promise<FastifyInstance> {
  const { requestTimeoutMs, headersTimeoutMs, maxConnections } = runtime.config.http;
  const app = Fastify({
    loggerInstance: runtime.logger as FastifyBaseLogger,
    bodyLimit: runtime.config.bodyLimitBytes,
    // A client that trickles its request is cut off (408) instead of holding a connection for minutes.
    requestTimeout: requestTimeoutMs,
    http: { requestTimeout: requestTimeoutMs, headersTimeout: headersTimeoutMs, connectionsCheckingInterval: connectionsCheckingIntervalMs },
    // Longer parameters get 414; each route's schema bounds its own parameters more tightly (400).
    routerOptions: { maxParamLength: maximumPathParameterLength },
    // Errors raised outside any route still answer in the API's error shape.
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
    // A caller's (or proxy's) request id is kept when it is a plain token, so logs line up across hops.
    genReqId: (request) => {
      const incoming = request.headers['x-request-id'];
      return typeof incoming === 'string' && incomingRequestIdPattern.test(incoming) ? incoming : randomUUID();
    },
    // Shutdown answers 503 in the API's error shape (plugins/authentication.ts), not Fastify's.
    return503OnClosing: false,
    // The client address (rate limits, audit) from X-Forwarded-For only behind proxies the operator names.
    trustProxy: runtime.config.trustProxy,
    logController: new AuthenticatedRequestLog(),
  });
  // A JSON API: text/plain bodies are refused with 415 rather than handed to schemas as strings.
  app.removeContentTypeParser('text/plain');
  // Multipart bodies are streamed and checked by the route that reads them; their schema only documents the form.
  app.setValidatorCompiler<z.ZodType>((route) =>
    route.httpPart === 'body' && route.contentType === 'multipart/form-data' ? () => ({ value: undefined }) : validatorCompiler(route),
  );
  app.setSerializerCompiler(serializerCompiler);
  // Beyond this many open connections new ones are refused at accept, before they cost anything.
  app.server.maxConnections = maxConnections;
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  const meteringOptions = options.metering === false ? undefined : (options.metering ?? {});
  const clock = meteringOptions?.clock ?? systemClock;
  const usage = meteringOptions ? createUsageRecorder(runtime.database, { logger: runtime.logger, clock }) : null;
  const quotas = meteringOptions?.quotas ?? meteringOptions !== undefined;
  const requestQuota = quotas ? createRequestQuotaBlocks(runtime.database, { clock, logger: runtime.logger }) : null;
  const metering: ApiMetering = { quotas, clock, usage, requestQuota };
  // onClose hooks run last-registered first: this one, registered before the job worker's, runs after
  // it, so the usage of jobs that finish while the worker stops is written too.
  if (usage) app.addHook('onClose', async () => usage.close());
  if (requestQuota) app.addHook('onClose', async () => requestQuota.close());

  const ingestion: IngestionDependencies = {
    database: runtime.database,
    embedder: runtime.embedder,
    listeners: runtime.documentListeners,
    documentWriters: limitDocumentWriters(runtime.config.documentWriters),
  };
  // Jobs live in the database; this process's worker takes its share of them until it closes.
  const ingestionJobs = startIngestionJobs(
    {
      database: runtime.database,
      ingestion,
      logger: runtime.logger,
      usage,
    },
    { concurrency: runtime.config.jobs.workers, leaseMs: runtime.config.jobs.leaseSeconds * 1000, ...options.ingestionJobs },
  );
  // Running jobs finish before the database closes; queued ones wait in it for the next process.
  app.addHook('onClose', async () => ingestionJobs.close());

  const rateLimits = options.rateLimit !== false;
  const { limits } = runtime.config;
  const redis = limits.redisUrl && rateLimits ? await connectRateLimitRedis(limits.redisUrl, runtime.logger) : null;
  if (redis) app.addHook('onClose', async () => void (await redis.quit().catch(() => redis.disconnect())));

  await app.register(errorHandlingPlugin, { bodyLimitBytes: runtime.config.bodyLimitBytes });
  await app.register(requestInputPlugin);
  // Before authentication, so refusals (401, 403, 429) carry security and CORS headers too.
  await app.register(securityHeadersPlugin, { corsOrigins: runtime.config.corsOrigins });
  // The counters every limiter below keeps (in memory, or in Redis for all processes).
  await app.register(fastifyRateLimit, rateLimitPluginOptions(redis));
  await app.register(authenticationPlugin, {
    runtime,
    failuresPerMinute: rateLimits ? limits.authenticationFailuresPerMinute : null,
    lastUsedIntervalSeconds: options.lastUsedIntervalSeconds ?? 60,
    publicPrefixes: [docsPrefix],
  });
  if (options.tenantLimits !== false) await app.register(limitsPlugin, { runtime, rateLimits });
  await app.register(metricsPlugin, { workspaceLabels: runtime.config.metrics.workspaceLabels });
  await app.register(meteringPlugin, { runtime, metering });
  await app.register(openApiPlugin, { version: options.version ?? packageVersion() });

  const dependencies: RouteDependencies = {
    runtime,
    ingestion,
    ingestionJobs,
    metering,
    asyncUploadThresholdBytes: options.asyncUploadThresholdBytes ?? 512 * 1024,
    rateLimits,
  };
  const typed = app.withTypeProvider<ZodTypeProvider>();
  for (const routes of [...coreRoutes, ...(options.extraRoutes ?? [])]) await typed.register(routes, dependencies);
  await app.ready();
  return app;
}
