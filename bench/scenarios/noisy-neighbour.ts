// Noisy neighbour: workspace A's search p99 over HTTP while workspace B ingests at full speed
// (documents uploaded back to back through the API by two clients), as a ratio to A's idle p99
// measured just before, on each tier. Idle and busy phases alternate for a few rounds (B a fresh
// workspace each round): one idle p99 is the 4th-worst of 400 searches and varies by a third
// between runs on a shared machine, so the median of the rounds' ratios is what is judged.
import { request, sampleLatencies, searchedWorkspace, withBenchServer } from '../ingestion/bench-server.ts';
import { benchDocuments } from '../ingestion/corpus.ts';
import { benchChunking, readCisiText } from '../fixtures/cisi-workspaces.ts';
import { percentile, round, sized, type BenchScenario } from '../scenario.ts';

const goalRatio = { postgres: 1.3, pglite: 2 };

interface Round {
  idle: number[];
  busy: number[];
  chunksPerSecond: number;
}

function median(values: readonly number[]): number {
  return percentile(values, 0.5);
}

export const scenario: BenchScenario = {
  name: 'noisy-neighbour',
  description:
    "workspace A's hybrid-search p99 over HTTP while workspace B uploads documents back to back (two clients, graph off), as a ratio to A's idle p99 measured just before; the median of alternating rounds",
  async run(context) {
    const { log, tier: tierName } = context;
    const rounds = sized(context, 3, 2);
    const searcherDocuments = sized(context, 100, 20);
    const neighbourDocuments = sized(context, 200, 20);
    const idleSearches = sized(context, 400, 40);
    const { abstracts } = await readCisiText();
    const measured: Round[] = [];
    await withBenchServer(context, async (server) => {
      const { search } = await searchedWorkspace(server, searcherDocuments);
      for (let warm = 0; warm < 20; warm += 1) await search();
      for (let roundIndex = 0; roundIndex < rounds; roundIndex += 1) {
        const idle: number[] = [];
        for (let index = 0; index < idleSearches; index += 1) {
          const started = performance.now();
          await search();
          idle.push(performance.now() - started);
        }

        const neighbour = await server.createWorkspace(`neighbour-${roundIndex}`);
        const documents = await benchDocuments(abstracts, 11 + roundIndex, `b${roundIndex}`, neighbourDocuments);
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
        measured.push({ idle, busy, chunksPerSecond: chunks / seconds });
        log(
          `${tierName} round ${roundIndex + 1}: idle p99 ${percentile(idle, 0.99).toFixed(1)} ms, busy p99 ${percentile(busy, 0.99).toFixed(1)} ms, neighbour ${(chunks / seconds).toFixed(0)} chunks/s`,
        );
      }
    });

    const ratios = measured.map(({ idle, busy }) => percentile(busy, 0.99) / percentile(idle, 0.99));
    const ratio = median(ratios);
    const rows: Array<Array<string | number>> = measured.flatMap(({ idle, busy, chunksPerSecond }, index) => [
      [`round ${index + 1}: A idle`, idle.length, round(percentile(idle, 0.5), 1), round(percentile(idle, 0.99), 1), 1],
      [`round ${index + 1}: A while B ingests (${round(chunksPerSecond, 0)} chunks/s)`, busy.length, round(percentile(busy, 0.5), 1), round(percentile(busy, 0.99), 1), round(ratios[index]!, 2)],
    ]);
    rows.push([`median of ${measured.length} rounds`, '', '', '', `${round(ratio, 2)} (${ratio <= goalRatio[tierName] ? 'within goal' : 'not within goal'})`]);
    const summary = (values: readonly number[]) => ({ samples: values.length, p50: round(percentile(values, 0.5), 2), p99: round(percentile(values, 0.99), 2), max: round(Math.max(...values), 2) });
    return {
      table: { columns: ['workspace A search', 'samples', 'p50 ms', 'p99 ms', 'p99 / idle p99'], rows },
      data: {
        rounds: measured.map(({ idle, busy, chunksPerSecond }, index) => ({
          idle: summary(idle),
          busy: summary(busy),
          neighbourChunksPerSecond: round(chunksPerSecond, 1),
          p99Ratio: round(ratios[index]!, 3),
        })),
        neighbour: { documentsPerRound: neighbourDocuments, chunksPerSecond: round(median(measured.map((entry) => entry.chunksPerSecond)), 1) },
        p99Ratio: round(ratio, 3),
      },
      notes: [
        `Goal: the median over rounds of busy p99 / idle p99 ≤ ${goalRatio.postgres} on PostgreSQL, ≤ ${goalRatio.pglite} on PGlite.`,
        `A holds ${searcherDocuments} documents (≈ ${searcherDocuments * 10} chunks of 128 tokens); each round B, a new workspace, receives ${neighbourDocuments} documents of the same kind as JSON uploads (synchronous, 201).`,
        'The server writes one document at a time (RAGSPACE_DOCUMENT_WRITERS, its default on 2 cores; the bench takes the variable from its environment to compare).',
      ],
    };
  },
};
