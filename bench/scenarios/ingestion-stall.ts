// No request stalls another: p50/p99/max of `GET /health` and of another workspace's search, over
// HTTP against a running server, while (a) a 10 MB single-word document and (b) a 10 MB ordinary
// Markdown document are uploaded with ?async=true and ingested, against the same probes idle. The
// Markdown comes twice: with a section per abstract it makes more chunks than a document may have
// and is refused; with a section per ten abstracts it fits and is stored.
import { setTimeout as sleep } from 'node:timers/promises';
import { request, sampleLatencies, searchedWorkspace, withBenchServer } from '../ingestion/bench-server.ts';
import { readCisiText } from '../fixtures/cisi-workspaces.ts';
import { percentile, round, sized, type BenchScenario } from '../scenario.ts';

const goalMs = { postgres: 100, pglite: 250 };

/** `bytes` of CISI abstracts as Markdown, a `##` section per `abstractsPerSection` abstracts. */
function markdownOf(abstracts: string[], bytes: number, abstractsPerSection = 1): string {
  const parts: string[] = [];
  let length = 0;
  for (let index = 0; length < bytes; index += 1) {
    const [title, ...body] = abstracts[index % abstracts.length]!.split('\n');
    const part = index % abstractsPerSection === 0 ? `## ${title}\n\n${body.join('\n')}\n\n` : `**${title}**\n\n${body.join('\n')}\n\n`;
    parts.push(part);
    length += part.length;
  }
  return `# Collected abstracts\n\n${parts.join('')}`.slice(0, bytes);
}

export const scenario: BenchScenario = {
  name: 'ingestion-stall',
  description:
    "p50/p99/max of GET /health and of another workspace's hybrid search over HTTP, idle and while a 10 MB single-word document and a 10 MB Markdown document (a section per abstract: refused; per ten: stored) are ingested or refused (?async=true); 0.5 MB with --quick",
  async run(context) {
    const { log, tier: tierName } = context;
    const documentBytes = sized(context, 10_000_000, 500_000);
    const idleSeconds = sized(context, 10, 1);
    const { abstracts } = await readCisiText();
    const rows: Array<Array<string | number>> = [];
    let data: Record<string, unknown> = {};
    await withBenchServer(context, async (server) => {
      const searched = await searchedWorkspace(server, sized(context, 60, 20));
      const uploader = await server.createWorkspace('uploader');
      const probes = { health: () => request(`${server.url}/health`), search: searched.search };
      const upload = async (source: string, content: string) => {
        const base = `${server.url}/workspaces/${uploader.context.workspaceId}`;
        const headers = { authorization: `Bearer ${uploader.key}`, 'content-type': 'application/json' };
        // graph off: the knowledge graph of 10 MB would take minutes of worker time and measure nothing more here.
        const accepted = (await request(`${base}/documents?async=true`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ source, content, graph: false }),
          expected: 202,
        })) as { job: { id: string } };
        for (;;) {
          const job = (await request(`${base}/documents/jobs/${accepted.job.id}`, { headers })) as {
            status: string;
            result?: { chunkCount: number };
            error?: { code?: string; message?: string };
          };
          if (job.status === 'succeeded') return `${job.result!.chunkCount} chunks`;
          // A request-level limit (say, more chunks than a document may have) refusing it is an outcome too.
          if (job.status === 'failed' && job.error?.code === 'unprocessable_entity') return `refused (422: ${job.error.message})`;
          if (job.status !== 'queued' && job.status !== 'running') throw new Error(`${source}: ${JSON.stringify(job.error)}`);
          await sleep(250);
        }
      };
      const phase = async (label: string, work: () => Promise<string>) => {
        for (let warm = 0; warm < 5; warm += 1) await Promise.all([probes.health(), probes.search()]);
        const samplers = { health: sampleLatencies(probes.health), search: sampleLatencies(probes.search) };
        const started = performance.now();
        const outcome = await work();
        const seconds = (performance.now() - started) / 1000;
        const times = { health: await samplers.health.stop(), search: await samplers.search.stop() };
        log(`${tierName} ${label}: ${outcome} in ${seconds.toFixed(1)} s; search p99 ${percentile(times.search, 0.99).toFixed(0)} ms`);
        const summary: Record<string, unknown> = { seconds: round(seconds, 1), outcome };
        for (const [probe, values] of Object.entries(times)) {
          const p99 = percentile(values, 0.99);
          const max = Math.max(...values);
          const within = (milliseconds: number) => (milliseconds <= goalMs[tierName] ? 'yes' : 'no');
          rows.push([label, probe, values.length, round(percentile(values, 0.5), 1), round(p99, 1), round(max, 1), within(p99), within(max)]);
          summary[probe] = { samples: values.length, p50: round(percentile(values, 0.5), 2), p99: round(p99, 2), max: round(Math.max(...values), 2) };
        }
        return summary;
      };
      data = {
        idle: await phase('idle', async () => {
          await sleep(idleSeconds * 1000);
          return `${idleSeconds} s idle`;
        }),
        singleWord: await phase(`${documentBytes / 1e6} MB single word`, () => upload('one-word.txt', 'x'.repeat(documentBytes))),
        markdown: await phase(`${documentBytes / 1e6} MB Markdown`, () => upload('abstracts.md', markdownOf(abstracts, documentBytes))),
        storedMarkdown: await phase(`${documentBytes / 1e6} MB Markdown, long sections`, () =>
          upload('abstracts-by-ten.md', markdownOf(abstracts, documentBytes, 10)),
        ),
      };
    });
    return {
      table: { columns: ['while', 'probe', 'samples', 'p50 ms', 'p99 ms', 'max ms', 'p99 within goal', 'max within goal'], rows },
      data,
      notes: [
        `Goal: p99 ≤ ${goalMs.postgres} ms on PostgreSQL, ≤ ${goalMs.pglite} ms on PGlite, for both probes while each document is ingested.`,
        'The max is judged against the same bound too: a phase holds a few hundred searches, so one that waited for a whole write transaction hardly moves the p99.',
        'Each probe runs back to back (one request in flight per probe) for the whole phase; the searched workspace holds ≈ 600 chunks.',
        'Uploads go through the API as JSON with ?async=true and graph off, polled until the job has succeeded; default chunking (512 tokens, overlap 64).',
      ],
    };
  },
};
