// What the client protocols cost over ragspace's own routes, measured side by side in one run:
// the OpenAI-compatible /v1/chat/completions against /workspaces/:id/chat (a turn with one
// hybrid_search tool call, a local model that answers at once; whole JSON turns, and time to the
// first token of a stream), and an MCP tools/call of hybrid_search (stateless: a small server is
// built per request around tools built once) against POST /workspaces/:id/search. Requests alternate, so load affects both alike.
import type { Database } from '../../src/db/database.ts';
import { firstTextAfter, openChatBenchApp } from '../fixtures/chat-app.ts';
import { percentile, round, sized, withBenchDatabase, type BenchScenario, type ScenarioReport } from '../scenario.ts';

const question = 'How long can I return product 12?';

interface Pair {
  measure: string;
  native: number[];
  client: number[];
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

export async function runClientProtocolsBenchmark(options: { database: Database; rounds: number; log?: (message: string) => void }) {
  const bench = await openChatBenchApp(options.database, options.log);
  const { address, headers, workspaceId } = bench;
  const post = (path: string, body: unknown, extraHeaders: Record<string, string> = {}) =>
    fetch(`${address}${path}`, { method: 'POST', headers: { ...headers, ...extraHeaders }, body: JSON.stringify(body) });
  const chatJson = { native: [] as number[], client: [] as number[] };
  const chatFirstToken = { native: [] as number[], client: [] as number[] };
  const search = { native: [] as number[], client: [] as number[] };
  try {
    for (let round = -3; round < options.rounds; round += 1) {
      const samples = {
        chatNative: await timed(async () => {
          bench.scriptTurn();
          await (await post(`/workspaces/${workspaceId}/chat`, { message: question })).json();
        }),
        chatClient: await timed(async () => {
          bench.scriptTurn();
          await (await post('/v1/chat/completions', { model: 'default', messages: [{ role: 'user', content: question }] })).json();
        }),
        firstNative: await (async () => {
          bench.scriptTurn();
          const started = performance.now();
          return firstTextAfter(await post(`/workspaces/${workspaceId}/chat`, { message: question, stream: true }), started, (event) => event.event === 'token');
        })(),
        firstClient: await (async () => {
          bench.scriptTurn();
          const started = performance.now();
          const response = await post('/v1/chat/completions', { model: 'default', messages: [{ role: 'user', content: question }], stream: true });
          return firstTextAfter(response, started, (event) => event.data.includes('"content":"') && !event.data.includes('"content":""'));
        })(),
        searchNative: await timed(async () => (await post(`/workspaces/${workspaceId}/search`, { query: question, mode: 'hybrid', limit: 6 })).json()),
        searchClient: await timed(async () =>
          (
            await post(
              `/workspaces/${workspaceId}/mcp`,
              { jsonrpc: '2.0', id: round + 10, method: 'tools/call', params: { name: 'hybrid_search', arguments: { query: question, limit: 6 } } },
              { accept: 'application/json, text/event-stream' },
            )
          ).json(),
        ),
      };
      // The first rounds warm up JIT and caches and are not counted.
      if (round < 0) continue;
      chatJson.native.push(samples.chatNative);
      chatJson.client.push(samples.chatClient);
      chatFirstToken.native.push(samples.firstNative);
      chatFirstToken.client.push(samples.firstClient);
      search.native.push(samples.searchNative);
      search.client.push(samples.searchClient);
    }
  } finally {
    await bench.close();
  }
  const pairs: Pair[] = [
    { measure: 'chat turn, JSON: /v1/chat/completions vs /workspaces/:id/chat', ...chatJson },
    { measure: 'chat turn, time to first token: /v1 stream vs /chat stream', ...chatFirstToken },
    { measure: 'hybrid search: MCP tools/call vs POST /search', ...search },
  ];
  return pairs.map((pair) => {
    const native = percentile(pair.native, 0.5);
    const client = percentile(pair.client, 0.5);
    return { measure: pair.measure, nativeP50Ms: round(native), clientP50Ms: round(client), ratio: round(client / native), samples: pair.native.length };
  });
}

export const scenario: BenchScenario = {
  name: 'client-protocols',
  description: 'The OpenAI-compatible API and the MCP endpoint against the native chat and search routes (p50 ratio, same run)',
  run: (context) =>
    withBenchDatabase(context, async ({ database }): Promise<ScenarioReport> => {
      const rows = await runClientProtocolsBenchmark({ database, rounds: sized(context, 30, 5), log: context.log });
      return {
        table: { columns: ['measure', 'native p50 ms', 'client protocol p50 ms', 'ratio', 'samples'], rows: rows.map((row) => [row.measure, row.nativeP50Ms, row.clientP50Ms, row.ratio, row.samples]) },
        data: { scenario: 'client-protocols', rows },
        notes: ['ratio = client protocol p50 / native p50, measured alternately in the same run; the model server answers at once.'],
      };
    }),
};
