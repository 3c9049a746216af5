// What quota checks and usage accounting cost: POST /workspaces/:id/search and a chat turn through
// three servers on the same database in the same run: fully metered (quota checks, usage rows),
// usage only (rows queued and written in batches, no quota checks), and metering off; measured in
// rounds that rotate the servers' order so that machine noise falls on all alike.
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppOptions } from '../../src/api/app.ts';
import type { Database } from '../../src/db/database.ts';
import { withControlPlane } from '../../src/db/workspace-scope.ts';
import { ingestDocument } from '../../src/ingestion/documents.ts';
import { ensureDeploymentEmbedder } from '../../src/ingestion/embedders/deployment-embedder.ts';
import { createLocalEmbedder } from '../../src/ingestion/embedders/local-embedder.ts';
import { updateAgent } from '../../src/tenancy/agents.ts';
import { createApiKey } from '../../src/tenancy/api-keys.ts';
import { createOrganization } from '../../src/tenancy/organizations.ts';
import { meterEmbeddings } from '../../src/tenancy/usage-scope.ts';
import { createWorkspaceContext } from '../../src/tenancy/workspace-context.ts';
import { createWorkspace } from '../../src/tenancy/workspaces.ts';
import { startOpenAITestServer, type OpenAITestServer } from '../../test/helpers/openai-test-server.ts';
import { seededRandom } from '../../test/helpers/seeded-random.ts';
import { benchRuntime } from '../fixtures/bench-runtime.ts';
import { percentile, round, sized, withBenchDatabase, type BenchScenario, type BenchTier, type ScenarioTable } from '../scenario.ts';

interface Measured {
  latenciesMs: number[];
  requests: number;
  /** Wall time of the phases, including the metered server's flush of its queued usage rows. */
  seconds: number;
}

const variants = ['metered', 'usage only', 'unmetered'] as const;
type Variant = (typeof variants)[number];

interface VariantStats {
  p50: number;
  p99: number;
  perSecond: number;
  /** Against the unmetered server: latency ratios (1 = no cost) and unmetered / this throughput. */
  p50Ratio: number;
  p99Ratio: number;
  throughputCost: number;
}

interface RouteComparison {
  route: string;
  variants: Record<Variant, VariantStats>;
}

interface TierResult {
  tier: BenchTier;
  documents: number;
  rounds: number;
  routes: RouteComparison[];
}

const vocabulary =
  'invoice refund shipping warehouse locker badge payroll holiday laptop printer network password policy contract customer supplier audit budget travel expense office parking canteen training safety'.split(
    ' ',
  );

function syntheticDocument(random: () => number, index: number): { source: string; content: string } {
  const sentences = Array.from({ length: 6 }, () => {
    const words = Array.from({ length: 12 }, () => vocabulary[Math.floor(random() * vocabulary.length)]!);
    return `${words.join(' ')}.`;
  });
  return { source: `doc-${index}.md`, content: `# Document ${index}\n\n${sentences.join(' ')}` };
}

function summarize(route: string, measured: Record<Variant, Measured>): RouteComparison {
  const raw = (one: Measured) => ({
    p50: percentile(one.latenciesMs, 0.5),
    p99: percentile(one.latenciesMs, 0.99),
    perSecond: one.requests / one.seconds,
  });
  const baseline = raw(measured.unmetered);
  const stats = (variant: Variant): VariantStats => {
    const own = raw(measured[variant]);
    return {
      p50: round(own.p50),
      p99: round(own.p99),
      perSecond: round(own.perSecond, 1),
      p50Ratio: round(own.p50 / baseline.p50, 3),
      p99Ratio: round(own.p99 / baseline.p99, 3),
      throughputCost: round(baseline.perSecond / own.perSecond, 3),
    };
  };
  return { route, variants: { metered: stats('metered'), 'usage only': stats('usage only'), unmetered: stats('unmetered') } };
}

/** `clients` concurrent loops calling `once` for `seconds`; latencies of every call. */
async function closedLoop(clients: number, seconds: number, once: () => Promise<void>): Promise<Measured> {
  const latenciesMs: number[] = [];
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < deadline) {
        const begun = performance.now();
        await once();
        latenciesMs.push(performance.now() - begun);
      }
    }),
  );
  return { latenciesMs, requests: latenciesMs.length, seconds: (performance.now() - started) / 1000 };
}

function merge(into: Measured, measured: Measured): void {
  into.latenciesMs.push(...measured.latenciesMs);
  into.requests += measured.requests;
  into.seconds += measured.seconds;
}

async function measureTier(
  tier: BenchTier,
  database: Database,
  model: OpenAITestServer,
  options: { rounds: number; seconds: number; documents: number; log: (message: string) => void },
): Promise<TierResult> {
  const apps: FastifyInstance[] = [];
  try {
    const embedder = meterEmbeddings(createLocalEmbedder());
    await ensureDeploymentEmbedder(database, embedder);
    const organization = await createOrganization(database, { name: `Bench metering ${tier}` });
    const workspace = await createWorkspace(database, { organization: organization.id, name: 'Metered' });
    const context = createWorkspaceContext({ organizationId: organization.id, workspaceId: workspace.id });
    // Limits high enough never to refuse, so the metered server pays for every check and counter.
    const high = 1_000_000_000;
    await withControlPlane(database, (transaction) =>
      transaction.query('UPDATE workspaces SET limit_overrides = $2 WHERE id = $1', [
        workspace.id,
        JSON.stringify({ requestsPerMonth: high, chatMessagesPerDay: high, llmTokensPerMonth: high, concurrentChatStreams: 1000 }),
      ]),
    );
    await updateAgent(database, context, 'default', { enabledTools: [] });
    options.log(`${tier}: ingesting ${options.documents} documents`);
    const random = seededRandom(20271);
    for (let index = 0; index < options.documents; index += 1) await ingestDocument({ database, embedder }, context, syntheticDocument(random, index));

    const runtime = benchRuntime(database, embedder, { OPENAI_BASE_URL: model.baseUrl, CHAT_MODEL: 'bench-model', CHAT_MAX_RETRIES: '0' });
    const { secret } = await createApiKey(database, runtime.keyPepper, context, { scopes: ['search', 'chat'] });
    const listen = async (metering: AppOptions['metering']) => {
      const app = await buildApp(runtime, { rateLimit: false, metering });
      apps.push(app);
      return { app, address: await app.listen({ port: 0, host: '127.0.0.1' }) };
    };
    const servers: Record<Variant, { app: FastifyInstance; address: string }> = {
      metered: await listen(undefined),
      'usage only': await listen({ quotas: false }),
      unmetered: await listen(false),
    };
    const headers = { authorization: `Bearer ${secret}`, 'content-type': 'application/json' };
    const queries = Array.from({ length: 40 }, (_, index) => `${vocabulary[index % vocabulary.length]} ${vocabulary[(index * 7) % vocabulary.length]} policy`);

    const routes: Array<{ route: string; clients: number; once: (address: string, index: number) => Promise<void> }> = [
      {
        route: 'POST /workspaces/:id/search (hybrid)',
        clients: 4,
        once: async (address, index) => {
          const response = await fetch(`${address}/workspaces/${workspace.id}/search`, {
            method: 'POST',
            headers,
            body: JSON.stringify({ query: queries[index % queries.length], mode: 'hybrid', limit: 10 }),
          });
          if (response.status !== 200) throw new Error(`search answered ${response.status}: ${await response.text()}`);
          await response.arrayBuffer();
        },
      },
      {
        route: 'POST /workspaces/:id/chat (one model call, JSON)',
        clients: 2,
        once: async (address, index) => {
          model.script({ content: 'Expenses are reimbursed within ten days.', usage: { prompt: 120, completion: 9 } });
          const response = await fetch(`${address}/workspaces/${workspace.id}/chat`, {
            method: 'POST',
            headers,
            body: JSON.stringify({ message: `How are ${queries[index % queries.length]} handled?` }),
          });
          if (response.status !== 200) throw new Error(`chat answered ${response.status}: ${await response.text()}`);
          await response.arrayBuffer();
        },
      },
    ];

    const comparisons: RouteComparison[] = [];
    for (const route of routes) {
      const empty = (): Measured => ({ latenciesMs: [], requests: 0, seconds: 0 });
      const totals: Record<Variant, Measured> = { metered: empty(), 'usage only': empty(), unmetered: empty() };
      let counter = 0;
      // One warm-up round, not counted; then rounds rotating which server goes first.
      for (let round = -1; round < options.rounds; round += 1) {
        const shift = ((round % variants.length) + variants.length) % variants.length;
        for (const variant of [...variants.slice(shift), ...variants.slice(0, shift)]) {
          const server = servers[variant];
          const measured = await closedLoop(route.clients, options.seconds, () => route.once(server.address, counter++));
          const flushStarted = performance.now();
          await server.app.metering.usage?.flush();
          measured.seconds += (performance.now() - flushStarted) / 1000;
          if (round >= 0) merge(totals[variant], measured);
        }
      }
      const comparison = summarize(route.route, totals);
      const { metered, 'usage only': usageOnly } = comparison.variants;
      options.log(`${tier}: ${route.route}: p50 ratio metered ${metered.p50Ratio}, usage only ${usageOnly.p50Ratio}`);
      comparisons.push(comparison);
    }
    return { tier, documents: options.documents, rounds: options.rounds, routes: comparisons };
  } finally {
    for (const app of apps) await app.close();
  }
}

function tableOf(result: TierResult): ScenarioTable {
  return {
    columns: ['route', 'server', 'p50 ms', 'p99 ms', 'req/s', 'p50 ratio', 'p99 ratio', 'throughput cost'],
    rows: result.routes.flatMap((route) =>
      variants.map((variant) => {
        const stats = route.variants[variant];
        return [route.route, variant, stats.p50, stats.p99, stats.perSecond, stats.p50Ratio, stats.p99Ratio, stats.throughputCost];
      }),
    ),
  };
}

export const scenario: BenchScenario = {
  name: 'metering-overhead',
  description: 'quota checks and usage accounting on search and chat, against the same routes with metering off (same run, same database)',
  async run(context) {
    const model = await startOpenAITestServer();
    try {
      const result = await withBenchDatabase(context, (bench) =>
        measureTier(context.tier, bench.database, model, {
          rounds: sized(context, 6, 1),
          seconds: sized(context, 1.5, 0.25),
          documents: sized(context, 300, 30),
          log: context.log,
        }),
      );
      return {
        table: tableOf(result),
        data: result,
        notes: [
          'Ratios are against the unmetered server: latency this / unmetered (p50, p99), throughput cost unmetered / this requests per second (1 = free); rounds rotate the three servers over one database.',
          'Usage only: the usage rows (search, embedding; a chat turn\'s row is written with its answer) without quota checks.',
          'Metered search: a requests-per-month counter upsert (one more short transaction) and its usage rows queued and written in batches.',
          "Metered chat: that, plus the day's message count, the concurrent-stream lease count and a token reservation in the turn's first transaction, and its usage rows in its last.",
          'Throughput includes the time a server spends writing its queued usage rows after each round.',
        ],
      };
    } finally {
      await model.close();
    }
  },
};
