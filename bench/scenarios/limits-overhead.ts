// What the tenant limits cost POST /workspaces/:id/search: the same search through the same app
// with the ragspace-limits plugin absent (baseline), with suspension only (rate limits off), with
// in-memory rate-limit counters, and with the counters in Redis (when redis-server is installed).
// Requests go through Fastify's full lifecycle (app.inject, no sockets: the socket cost is the same
// for every variant and would only add noise), sequentially, the variants interleaved round by
// round so that a change of machine load hits them all alike. Ratios are to the baseline of the
// same run and tier.
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildApp, type AppOptions } from '../../src/api/app.ts';
import { loadConfig } from '../../src/config.ts';
import type { Database } from '../../src/db/database.ts';
import { createPostgresGraphStore } from '../../src/graph/postgres/postgres-graph-store.ts';
import { ingestDocument } from '../../src/ingestion/documents.ts';
import { ensureDeploymentEmbedder } from '../../src/ingestion/embedders/deployment-embedder.ts';
import { createLocalEmbedder } from '../../src/ingestion/embedders/local-embedder.ts';
import type { Runtime } from '../../src/runtime.ts';
import { createApiKey } from '../../src/tenancy/api-keys.ts';
import { cliOperator } from '../../src/tenancy/audit.ts';
import { createOrganization } from '../../src/tenancy/organizations.ts';
import { changeWorkspaceLimitOverrides } from '../../src/tenancy/plans.ts';
import { createWorkspaceContext } from '../../src/tenancy/workspace-context.ts';
import { createWorkspace } from '../../src/tenancy/workspaces.ts';
import { startRedis, type TestRedis } from '../../test/helpers/redis-server.ts';
import { percentile, round, sized, withBenchDatabase, type BenchScenario } from '../scenario.ts';

interface Variant {
  name: string;
  meaning: string;
  options: AppOptions;
  environment?: Record<string, string>;
}

interface VariantResult {
  tier: string;
  variant: string;
  meaning: string;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  /** Mean time per request divided by the baseline's, same tier, same run. */
  ratio: number;
}

const topics = ['refund', 'invoice', 'password', 'shipping', 'warranty', 'account', 'export', 'billing', 'latency', 'backup'];
const verbs = ['explains', 'covers', 'describes', 'lists', 'answers'];

function syntheticDocument(index: number): { source: string; content: string } {
  const topic = topics[index % topics.length]!;
  const other = topics[(index * 7 + 3) % topics.length]!;
  const sentences = Array.from({ length: 8 }, (_, sentence) =>
    `Article ${index} ${verbs[(index + sentence) % verbs.length]} the ${topic} process step ${sentence}, and how ${other} affects it in region ${(index * 13 + sentence) % 17}.`,
  );
  return { source: `kb-${index}.md`, content: `# ${topic} guide ${index}\n\n${sentences.join(' ')}` };
}

interface Measurement {
  tier: string;
  database: Database;
  redis: TestRedis | null;
  documents: number;
  rounds: number;
  perRound: number;
  log: (message: string) => void;
}

async function measure({ tier, database, redis, documents, rounds, perRound, log }: Measurement): Promise<VariantResult[]> {
  const embedder = createLocalEmbedder();
  await ensureDeploymentEmbedder(database, embedder);
  const organization = await createOrganization(database, { name: `Limits bench ${Date.now()}` });
  const workspace = await createWorkspace(database, { organization: organization.id, name: 'Knowledge base' });
  // A limit that counts every request but never refuses one: the cost measured is the counting.
  await changeWorkspaceLimitOverrides(database, workspace.id, { set: { requestsPerMinute: 1_000_000_000 } }, cliOperator);
  const context = createWorkspaceContext({ organizationId: organization.id, workspaceId: workspace.id, scopes: ['search'] });
  log(`${tier}: ingesting ${documents} documents`);
  for (let index = 0; index < documents; index += 1) await ingestDocument({ database, embedder }, context, syntheticDocument(index));
  const keyPepper = 'bench-pepper-0123456789abcdef0123456789';
  const { secret } = await createApiKey(database, keyPepper, context, { scopes: ['search'] });

  const variants: Variant[] = [
    { name: 'baseline', meaning: 'no limits plugin', options: { tenantLimits: false, rateLimit: false } },
    { name: 'suspension only', meaning: 'status lookup, no counters', options: { rateLimit: false } },
    { name: 'limits (memory)', meaning: 'status lookup + in-memory counter', options: {} },
    ...(redis ? [{ name: 'limits (redis)', meaning: 'status lookup + Redis counter', options: {}, environment: { REDIS_URL: redis.url } }] : []),
  ];
  const apps: FastifyInstance[] = [];
  for (const variant of variants) {
    const runtime: Runtime = {
      config: loadConfig({ LOG_LEVEL: 'silent', ...variant.environment }),
      logger: pino({ level: 'silent' }),
      database,
      keyPepper,
      embedder,
      graphStore: createPostgresGraphStore(database),
      embedded: false,
      isOwner: true,
      close: async () => undefined,
    };
    apps.push(await buildApp(runtime, variant.options));
  }

  const url = `/workspaces/${workspace.id}/search`;
  const headers = { authorization: `Bearer ${secret}` };
  const latencies: number[][] = variants.map(() => []);
  let next = 0;
  const searchOnce = async (app: FastifyInstance) => {
    const query = `${topics[next % topics.length]} ${verbs[next % verbs.length]} step ${next % 8}`;
    next += 1;
    const started = performance.now();
    const response = await app.inject({ method: 'POST', url, headers, payload: { query, mode: 'text', limit: 10 } });
    const elapsed = performance.now() - started;
    if (response.statusCode !== 200) throw new Error(`search answered ${response.statusCode}: ${response.body}`);
    return elapsed;
  };
  try {
    // Warm-up: first-call costs (plans, caches, JIT) out of the measurement.
    for (const app of apps) for (let request = 0; request < perRound; request += 1) await searchOnce(app);
    log(`${tier}: ${rounds} rounds × ${perRound} requests per variant`);
    for (let roundIndex = 0; roundIndex < rounds; roundIndex += 1) {
      // Rotate the order too, so no variant always runs right after another.
      for (let offset = 0; offset < apps.length; offset += 1) {
        const index = (roundIndex + offset) % apps.length;
        for (let request = 0; request < perRound; request += 1) latencies[index]!.push(await searchOnce(apps[index]!));
      }
    }
  } finally {
    for (const app of apps) await app.close();
  }

  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const baselineMean = mean(latencies[0]!);
  return variants.map((variant, index) => ({
    tier,
    variant: variant.name,
    meaning: variant.meaning,
    requests: latencies[index]!.length,
    p50Ms: round(percentile(latencies[index]!, 0.5), 3),
    p99Ms: round(percentile(latencies[index]!, 0.99), 3),
    meanMs: round(mean(latencies[index]!), 3),
    ratio: round(mean(latencies[index]!) / baselineMean, 3),
  }));
}

async function startRedisIfInstalled(log: (message: string) => void): Promise<TestRedis | null> {
  try {
    return await startRedis();
  } catch (error) {
    log(`no Redis variant: ${(error as Error).message}`);
    return null;
  }
}

export const scenario: BenchScenario = {
  name: 'limits-overhead',
  description: 'POST /workspaces/:id/search with the tenant limits (suspension, rate-limit counters in memory or Redis) against the same route without them',
  run: (context) =>
    withBenchDatabase(context, async ({ database }) => {
      const redis = await startRedisIfInstalled(context.log);
      try {
        const results = await measure({
          tier: context.tier,
          database,
          redis,
          documents: sized(context, 300, 40),
          rounds: sized(context, 30, 3),
          perRound: sized(context, 20, 10),
          log: context.log,
        });
        return {
          table: {
            columns: ['tier', 'variant', 'what runs', 'requests', 'p50 ms', 'p99 ms', 'mean ms', 'ratio to baseline'],
            rows: results.map((result) => [result.tier, result.variant, result.meaning, result.requests, result.p50Ms, result.p99Ms, result.meanMs, result.ratio]),
          },
          data: results,
          notes: [
            'Sequential requests through app.inject (full Fastify lifecycle, no sockets), variants interleaved round by round; text (BM25) search.',
            'The limit is set so high that every request is counted and none refused. Ratio: mean time per request over the baseline\'s.',
          ],
        };
      } finally {
        await redis?.stop();
      }
    }),
};
