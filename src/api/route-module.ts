// The contract of a route file: a Fastify plugin, typed for zod schemas, that receives the
// Runtime and the API's own shared services. Core route files are listed in routes/index.ts;
// more (chat, sessions) come in through buildApp(runtime, { extraRoutes }).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Runtime } from '../runtime.ts';
import type { IngestionDependencies } from '../ingestion/documents.ts';
import type { IngestionJobService } from '../jobs/ingestion-worker.ts';
import type { ApiMetering } from './plugins/metering.ts';

export interface RouteDependencies {
  runtime: Runtime;
  /** The ingestion pipeline's dependencies, shared by uploads and jobs (one bound on document writers). */
  ingestion: IngestionDependencies;
  /** The durable queue for large document uploads (jobs in PostgreSQL, run by every server process). */
  ingestionJobs: IngestionJobService;
  /** Quotas and usage accounting (plugins/metering.ts). */
  metering: ApiMetering;
  /** Uploads at least this large are ingested by the job queue and answered 202. */
  asyncUploadThresholdBytes: number;
  /** Whether rate limits apply (false in benchmarks and most tests); routes with their own limit (sign-up) read it. */
  rateLimits: boolean;
}

/**
 * Every route must set `config: { access: access.public() | access.platformAdmin() |
 * access.organization() | access.workspace(...scopes) }`; the app refuses to start otherwise.
 * Workspace routes read their tenant only from `workspaceContextOf(request)`.
 */
export type RouteModule = FastifyPluginAsyncZod<RouteDependencies>;
