// Builds the real app over a real in-memory database, with a logger whose lines the test can read.
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppOptions } from '../../src/api/app.ts';
import { loadConfig } from '../../src/config.ts';
import type { Database } from '../../src/db/database.ts';
import { createGraphExtraction } from '../../src/graph/graph-services.ts';
import { createGraphIndexer } from '../../src/graph/indexing/graph-indexer.ts';
import type { GraphStore } from '../../src/graph/graph-store.ts';
import { createPostgresGraphStore } from '../../src/graph/postgres/postgres-graph-store.ts';
import { ensureDeploymentEmbedder } from '../../src/ingestion/embedders/deployment-embedder.ts';
import { createLocalEmbedder } from '../../src/ingestion/embedders/local-embedder.ts';
import { loggerOptions } from '../../src/logger.ts';
import type { Runtime } from '../../src/runtime.ts';
import { createApiKey } from '../../src/tenancy/api-keys.ts';
import { createOrganizationApiKey } from '../../src/tenancy/organization-keys.ts';
import type { ApiKeyScope, WorkspaceContext } from '../../src/tenancy/workspace-context.ts';
import { createTestDatabase, createTestTenant } from '../helpers/database.ts';

export const adminKey = 'platform-admin-key-for-tests-0123456789abcdef';
export const keyPepper = 'api-test-pepper-that-is-long-enough-0123456789';

export interface TestApi {
  app: FastifyInstance;
  runtime: Runtime;
  database: Database;
  /** Every log line the app wrote, as text. */
  logLines: string[];
  close(): Promise<void>;
}

export interface TestApiOptions extends AppOptions {
  environment?: Record<string, string>;
  embedded?: boolean;
  database?: Database;
  /** Another graph backend than the postgres tables (a Neo4j that cannot be reached, in fault tests). */
  graphStore?: GraphStore;
}

export async function createTestApi(options: TestApiOptions = {}): Promise<TestApi> {
  const database = options.database ?? (await createTestDatabase());
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = pino(loggerOptions('info'), sink);
  const config = loadConfig({ RAGSPACE_ADMIN_KEY: adminKey, LOG_LEVEL: 'info', ...options.environment });
  // Small dimensions keep the tests quick; the deployment records them like a first start would.
  const embedder = createLocalEmbedder({ dimensions: 64 });
  await ensureDeploymentEmbedder(database, embedder);
  // The real graph stack: postgres store and the offline extractor, told about documents as the server does.
  const graphStore = options.graphStore ?? createPostgresGraphStore(database);
  const graphIndexer = createGraphIndexer({ store: graphStore, embedder, ...(await createGraphExtraction(config)) });
  const runtime: Runtime = {
    config,
    logger,
    database,
    keyPepper,
    embedder,
    graphStore,
    documentListeners: [graphIndexer],
    embedded: options.embedded ?? false,
    isOwner: true,
    close: () => database.close(),
  };
  const app = await buildApp(runtime, { rateLimit: false, ...options });
  return {
    app,
    runtime,
    database,
    logLines,
    async close() {
      await app.close();
      await database.close();
    },
  };
}

export interface TestWorkspace {
  context: WorkspaceContext;
  /** A key with every scope. */
  adminSecret: string;
  keyFor(scopes: ApiKeyScope[]): Promise<string>;
}

export async function createWorkspaceWithKey(database: Database, organizationSlug?: string): Promise<TestWorkspace> {
  const context = await createTestTenant(database, organizationSlug ? { organizationSlug } : {});
  const keyFor = async (scopes: ApiKeyScope[]) => (await createApiKey(database, keyPepper, context, { scopes })).secret;
  return { context, adminSecret: await keyFor(['admin']), keyFor };
}

export async function createOrganizationKey(database: Database, organizationId: string): Promise<string> {
  return (await createOrganizationApiKey(database, keyPepper, organizationId, { name: 'test org admin' })).secret;
}

export function bearer(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Every operation the OpenAPI document lists under a path prefix, with its path parameters filled in. */
export async function operationsUnder(api: TestApi, prefix: string, id: string): Promise<{ method: Method; url: string }[]> {
  const spec = (await api.app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
  const operations: { method: Method; url: string }[] = [];
  for (const [template, methods] of Object.entries(spec.paths)) {
    if (template !== prefix && !template.startsWith(`${prefix}/`)) continue;
    const url = template.replace('{id}', id).replace(/\{[A-Za-z]+\}/g, (parameter) => (parameter === '{agentId}' ? 'default' : randomUUID()));
    for (const method of Object.keys(methods)) operations.push({ method: method.toUpperCase() as Method, url });
  }
  return operations;
}

/** A multipart/form-data body: text fields, then optionally one file in the field "file". */
export function multipart(fields: Record<string, string>, file?: { name: string; type: string; content: string | Buffer }) {
  const boundary = `----ragspace${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  if (file) {
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`),
      Buffer.isBuffer(file.content) ? file.content : Buffer.from(file.content),
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}
