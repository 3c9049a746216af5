// What quota checks and usage accounting cost: POST /workspaces/:id/search and a chat turn through
// two servers on the same database in the same run, one metered (requests-per-month check,
// usage rows queued and flushed, chat quotas and leases) and one with metering off, measured in
// alternating rounds so that machine noise falls on both alike.
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildApp } from '../../src/api/app.ts';
import { loadConfig } from '../../src/config.ts';
import type { Database } from '../../src/db/database.ts';
import { withControlPlane } from '../../src/db/workspace-scope.ts';
import { createPostgresGraphStore } from '../../src/graph/postgres/postgres-graph-store.ts';
import { ingestDocument } from '../../src/ingestion/documents.ts';
import { ensureDeploymentEmbedder } from '../../src/ingestion/embedders/deployment-embedder.ts';
import { createLocalEmbedder } from '../../src/ingestion/embedders/local-embedder.ts';
import type { Runtime } from '../../src/runtime.ts';
import { updateAgent } from '../../src/tenancy/agents.ts';
import { createApiKey } from '../../src/tenancy/api-keys.ts';
import { createOrganization } from '../../src/tenancy/organizations.ts';
import { meterEmbeddings } from '../../src/tenancy/usage-scope.ts';
import { createWorkspaceContext } from '../../src/tenancy/workspace-context.ts';
import { createWorkspace } from '../../src/tenancy/workspaces.ts';
import { startOpenAITestServer, type OpenAITestServer } from '../../test/helpers/openai-test-server.ts';
import { seededRandom } from '../../test/helpers/seeded-random.ts';
import { percentile, round, sized, withBenchDatabase, type BenchScenario, type BenchTier, type ScenarioTable } from '../scenario.ts';

interface Measured {
  latenciesMs: number[];
  requests: number;
  /** Wall time of the phases, including the metered server's flush of its queued usage rows. */
  seconds: number;
}

interface RouteComparison {
  route: string;
  metered: { p50: number; p99: number; perSecond: number };
  unmetered: { p50: number; p99: number; perSecond: number };
  /** metered / unmetered: above 1 means metering costs that much more time. */
  latencyRatio: { p50: number; p99: number };
  /** unmetered / metered throughput: above 1 means metering costs that much throughput. */
  throughputRatio: number;
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

function summarize(route: string, metered: Measured, unmetered: Measured): RouteComparison {
  const stats = (measured: Measured) => ({
    p50: round(percentile(measured.latenciesMs, 0.5)),
    p99: round(percentile(measured.latenciesMs, 0.99)),
    perSecond: round(measured.requests / measured.seconds, 1),
  });
  const on = stats(metered);
  const off = stats(unmetered);
  return {
    route,
    metered: on,
    unmetered: off,
    latencyRatio: { p50: round(on.p50 / off.p50, 3), p99: round(on.p99 / off.p99, 3) },
    throughputRatio: round(off.perSecond / on.perSecond, 3),
  };
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

    const config = loadConfig({ LOG_LEVEL: 'silent', OPENAI_BASE_URL: model.baseUrl, CHAT_MODEL: 'bench-model', CHAT_MAX_RETRIES: '0' });
    const runtime: Runtime = {
      config,
      logger: pino({ level: 'silent' }),
      database,
      keyPepper: 'bench-pepper-0123456789abcdef0123456789',
      embedder,
      graphStore: createPostgresGraphStore(database),
      embedded: false,
      isOwner: true,
      close: async () => undefined,
    };
    const { secret } = await createApiKey(database, runtime.keyPepper, context, { scopes: ['search', 'chat'] });
    const metered = await buildApp(runtime, { rateLimit: false });
    const unmetered = await buildApp(runtime, { rateLimit: false, metering: false });
    apps.push(metered, unmetered);
    const servers = [
      { app: metered, address: await metered.listen({ port: 0, host: '127.0.0.1' }) },
      { app: unmetered, address: await unmetered.listen({ port: 0, host: '127.0.0.1' }) },
    ] as const;
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
      const totals = [
        { latenciesMs: [], requests: 0, seconds: 0 },
        { latenciesMs: [], requests: 0, seconds: 0 },
      ] as [Measured, Measured];
      let counter = 0;
      // One warm-up round, not counted; then rounds alternating which server goes first.
      for (let round = -1; round < options.rounds; round += 1) {
        const order = round % 2 === 0 ? [0, 1] : [1, 0];
        for (const which of order) {
          const server = servers[which]!;
          const measured = await closedLoop(route.clients, options.seconds, () => route.once(server.address, counter++));
          const flushStarted = performance.now();
          await server.app.metering.usage?.flush();
          measured.seconds += (performance.now() - flushStarted) / 1000;
          if (round >= 0) merge(totals[which]!, measured);
        }
      }
      const comparison = summarize(route.route, totals[0], totals[1]);
      options.log(`${tier}: ${route.route}: p50 ${comparison.metered.p50} vs ${comparison.unmetered.p50} ms, ratio ${comparison.latencyRatio.p50}`);
      comparisons.push(comparison);
    }
    return { tier, documents: options.documents, rounds: options.rounds, routes: comparisons };
  } finally {
    for (const app of apps) await app.close();
  }
}

function tableOf(result: TierResult): ScenarioTable {
  return {
    columns: ['route', 'metered p50 ms', 'unmetered p50 ms', 'p50 ratio', 'p99 ratio', 'metered req/s', 'unmetered req/s', 'throughput cost'],
    rows: [result].flatMap((result) =>
      result.routes.map((route) => [
        route.route,
        route.metered.p50,
        route.unmetered.p50,
        route.latencyRatio.p50,
        route.latencyRatio.p99,
        route.metered.perSecond,
        route.unmetered.perSecond,
        route.throughputRatio,
      ]),
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
          rounds: sized(context, 6, 2),
          seconds: sized(context, 1.5, 0.5),
          documents: sized(context, 300, 60),
          log: context.log,
        }),
      );
      return {
        table: tableOf(result),
        data: result,
        notes: [
          'p50/p99 ratio: metered / unmetered latency; throughput cost: unmetered / metered requests per second (1 = free), over alternating rounds on one database.',
          'Metered search: a requests-per-month counter upsert (one more short transaction) and its usage rows (search, embedding) queued and written in batches.',
          "Metered chat: that, plus the day's message count, the concurrent-stream lease count and a token reservation in the turn's first transaction, and its usage rows in its last.",
          'Throughput includes the time the metered server spends flushing its queued usage rows after each round.',
        ],
      };
    } finally {
      await model.close();
    }
  },
};
