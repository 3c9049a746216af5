// Noisy neighbour: workspace A's search p99 over HTTP while workspace B ingests at full speed
// (documents uploaded back to back through the API by two clients), as a ratio to A's idle p99
// measured in the same run, on each tier.
import { request, sampleLatencies, searchedWorkspace, withBenchServer } from '../ingestion/bench-server.ts';
import { benchDocuments } from '../ingestion/corpus.ts';
import { benchChunking, readCisiText } from '../fixtures/cisi-workspaces.ts';
import { percentile, round, sized, type BenchScenario } from '../scenario.ts';

const goalRatio = { postgres: 1.3, pglite: 2 };

export const scenario: BenchScenario = {
  name: 'noisy-neighbour',
  description: "workspace A's hybrid-search p99 over HTTP while workspace B uploads documents back to back (two clients, graph off), as a ratio to A's idle p99",
  async run(context) {
    const { log, tier: tierName } = context;
    const searcherDocuments = sized(context, 100, 20);
    const neighbourDocuments = sized(context, 300, 20);
    const idleSearches = sized(context, 400, 40);
    const { abstracts } = await readCisiText();
    const rows: Array<Array<string | number>> = [];
    let data: Record<string, unknown> = {};
    await withBenchServer(context, async (server) => {
      const { search } = await searchedWorkspace(server, searcherDocuments);
      const neighbour = await server.createWorkspace('neighbour');
      for (let warm = 0; warm < 20; warm += 1) await search();
      const idle: number[] = [];
      for (let index = 0; index < idleSearches; index += 1) {
        const started = performance.now();
        await search();
        idle.push(performance.now() - started);
      }

      const documents = await benchDocuments(abstracts, 11, 'b', neighbourDocuments);
      const uploads = documents.map((document) => ({ source: document.source, content: document.content, ...benchChunking, graph: false }));
      const sampler = sampleLatencies(search);
      const started = performance.now();
      let chunks = 0;
      // Two clients upload one document after another, as fast as the server answers.
      await Promise.all(
        [0, 1].map(async (client) => {
          for (let index = client; index < uploads.length; index += 2) {
            const result = (await request(`${server.url}/workspaces/${neighbour.context.workspaceId}/documents`, {
              method: 'POST',
              headers: { authorization: `Bearer ${neighbour.key}`, 'content-type': 'application/json' },
              body: JSON.stringify(uploads[index]),
              expected: 201,
            })) as { chunkCount: number };
            chunks += result.chunkCount;
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      const busy = await sampler.stop();
      const ratio = percentile(busy, 0.99) / percentile(idle, 0.99);
      log(`${tierName}: idle p99 ${percentile(idle, 0.99).toFixed(1)} ms, busy p99 ${percentile(busy, 0.99).toFixed(1)} ms, neighbour ${(chunks / seconds).toFixed(0)} chunks/s`);
      rows.push(
        ['A idle', idle.length, round(percentile(idle, 0.5), 1), round(percentile(idle, 0.99), 1), 1, ''],
        [`A while B ingests (${round(chunks / seconds, 0)} chunks/s)`, busy.length, round(percentile(busy, 0.5), 1), round(percentile(busy, 0.99), 1), round(ratio, 2), ratio <= goalRatio[tierName] ? 'yes' : 'no'],
      );
      data = {
        idle: { samples: idle.length, p50: round(percentile(idle, 0.5), 2), p99: round(percentile(idle, 0.99), 2) },
        busy: { samples: busy.length, p50: round(percentile(busy, 0.5), 2), p99: round(percentile(busy, 0.99), 2), max: round(Math.max(...busy), 2) },
        neighbour: { documents: uploads.length, chunks, seconds: round(seconds, 1), chunksPerSecond: round(chunks / seconds, 1) },
        p99Ratio: round(ratio, 3),
      };
    });
    return {
      table: { columns: ['workspace A search', 'samples', 'p50 ms', 'p99 ms', 'p99 / idle p99', 'within goal'], rows },
      data,
      notes: [
        `Goal: busy p99 / idle p99 ≤ ${goalRatio.postgres} on PostgreSQL, ≤ ${goalRatio.pglite} on PGlite.`,
        `A holds ${searcherDocuments} documents (≈ ${searcherDocuments * 10} chunks of 128 tokens); B's documents are of the same kind, sent as JSON uploads (synchronous, 201).`,
      ],
    };
  },
};
