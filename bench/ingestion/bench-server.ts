// A real ragspace HTTP server for the stall and noisy-neighbour scenarios: the app `ragspace serve`
// builds, over a bench tier's database, listening on a local port, with the offline graph wired
// in as the server wires it. Workspaces and keys are made through the services.
import { pino } from 'pino';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createGraphExtraction } from '../../src/graph/graph-services.ts';
import { createGraphIndexer } from '../../src/graph/indexing/graph-indexer.ts';
import { createPostgresGraphStore } from '../../src/graph/postgres/postgres-graph-store.ts';
import { ensureDeploymentEmbedder } from '../../src/ingestion/embedders/deployment-embedder.ts';
import { createLocalEmbedder } from '../../src/ingestion/embedders/local-embedder.ts';
import type { Runtime } from '../../src/runtime.ts';
import { createApiKey } from '../../src/tenancy/api-keys.ts';
import { createOrganization } from '../../src/tenancy/organizations.ts';
import { createWorkspaceContext, type WorkspaceContext } from '../../src/tenancy/workspace-context.ts';
import { createWorkspace } from '../../src/tenancy/workspaces.ts';
import { runIngestion } from '../../src/ingestion/ingest-run.ts';
import { benchChunking, readCisiText } from '../fixtures/cisi-workspaces.ts';
import type { BenchDatabase, ScenarioContext } from '../scenario.ts';
import { openIngestionDatabase } from './embedded-tier.ts';
import { asIngestItems, benchDocuments } from './corpus.ts';

const keyPepper = 'bench-pepper-that-is-long-enough-0123456789abcdef';

export interface BenchWorkspace {
  context: WorkspaceContext;
  key: string;
}

export interface BenchServer {
  url: string;
  runtime: Runtime;
  app: FastifyInstance;
  createWorkspace(slug: string): Promise<BenchWorkspace>;
  close(): Promise<void>;
}

export async function startBenchServer(bench: BenchDatabase): Promise<BenchServer> {
  const { database } = bench;
  // RAGSPACE_DOCUMENT_WRITERS from the bench's environment, to compare bounds on writers; the server's default otherwise.
  const writers = process.env.RAGSPACE_DOCUMENT_WRITERS;
  const config = loadConfig({
    RAGSPACE_ADMIN_KEY: 'bench-admin-key-0123456789abcdef0123456789',
    LOG_LEVEL: 'silent',
    ...(writers ? { RAGSPACE_DOCUMENT_WRITERS: writers } : {}),
  });
  const embedder = createLocalEmbedder();
  await ensureDeploymentEmbedder(database, embedder);
  const graphStore = createPostgresGraphStore(database);
  const runtime: Runtime = {
    config,
    logger: pino({ level: 'silent' }),
    database,
    keyPepper,
    embedder,
    graphStore,
    documentListeners: [createGraphIndexer({ store: graphStore, embedder, ...(await createGraphExtraction(config)) })],
    embedded: bench.tier === 'pglite',
    isOwner: true,
    close: async () => undefined,
  };
  // The probes send requests back to back, faster than any plan's per-minute limit: the scenarios
  // measure what one workspace's work costs another, with the rate limiter out of the way.
  const app = await buildApp(runtime, { rateLimit: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  // No quotas in the way either (the free plan's month of requests, documents and storage).
  const organization = await createOrganization(database, { name: 'Bench', slug: 'bench', planId: 'enterprise' });
  return {
    url: `http://127.0.0.1:${port}`,
    runtime,
    app,
    async createWorkspace(slug) {
      const workspace = await createWorkspace(database, { organization: organization.id, name: slug, slug });
      const context = createWorkspaceContext({ organizationId: organization.id, workspaceId: workspace.id });
      const { secret } = await createApiKey(database, keyPepper, context, { scopes: ['admin'] });
      return { context, key: secret };
    },
    close: () => app.close(),
  };
}

/** Latencies of `call`, run back to back until `stop()` resolves. */
export function sampleLatencies(call: () => Promise<unknown>): { stop(): Promise<number[]> } {
  const times: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      await call();
      times.push(performance.now() - started);
    }
  })();
  // A failed call ends the loop; its error is thrown by stop(), not left unhandled meanwhile.
  loop.catch(() => undefined);
  return {
    async stop() {
      running = false;
      await loop;
      return times;
    },
  };
}

/** fetch, failing on a status other than `expected`. */
export async function request(url: string, init: RequestInit & { expected?: number } = {}): Promise<unknown> {
  const response = await fetch(url, init);
  const body = await response.text();
  if (response.status !== (init.expected ?? 200)) throw new Error(`${init.method ?? 'GET'} ${url}: ${response.status} ${body.slice(0, 300)}`);
  return body ? JSON.parse(body) : undefined;
}

/**
 * A workspace holding `documents` synthetic CISI documents, and a probe that sends it one hybrid
 * search over HTTP (the next CISI query each time).
 */
export async function searchedWorkspace(server: BenchServer, documents: number): Promise<{ workspace: BenchWorkspace; search(): Promise<unknown> }> {
  const cisi = await readCisiText();
  const queries = cisi.queries(500);
  const workspace = await server.createWorkspace('searched');
  const items = asIngestItems(await benchDocuments(cisi.abstracts, 9, 'searched', documents));
  await runIngestion({ database: server.runtime.database, embedder: server.runtime.embedder }, workspace.context, items, { ...benchChunking, graph: false });
  let queryIndex = 0;
  return {
    workspace,
    search: () =>
      request(`${server.url}/workspaces/${workspace.context.workspaceId}/search`, {
        method: 'POST',
        headers: { authorization: `Bearer ${workspace.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query: queries[queryIndex++ % queries.length], mode: 'hybrid', limit: 10 }),
      }),
  };
}

/** Runs `work` against a server over a fresh database of the scenario's tier, then closes both. */
export async function withBenchServer(context: ScenarioContext, work: (server: BenchServer) => Promise<void>): Promise<void> {
  const bench = await openIngestionDatabase(context);
  try {
    const server = await startBenchServer(bench);
    try {
      await work(server);
    } finally {
      await server.close();
    }
  } finally {
    await bench.close();
  }
}
