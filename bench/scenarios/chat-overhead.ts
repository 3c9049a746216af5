// Server-side overhead of one chat turn: time to first token at the client minus the model's own
// time to its first token, with a local OpenAI-compatible server that answers at once. The turn
// makes one tool call (hybrid_search) and then answers, so the overhead covers auth, session and
// history, two model round trips' plumbing, the search itself and persistence.
import { keyValueReport, percentile, round, sized, withBenchDatabase, type BenchScenario } from '../scenario.ts';
import type { Database } from '../../src/db/database.ts';
import { firstTextAfter, openChatBenchApp } from '../fixtures/chat-app.ts';

export interface ChatOverheadResult {
  scenario: 'chat-overhead';
  turns: number;
  documents: number;
  /** Client-side time to the first token event, per turn. */
  timeToFirstTokenMs: { p50: number; p99: number };
  /** Time the model server spent before its first byte, summed over the turn's two model calls. */
  modelTimeMs: { p50: number };
  /** The difference: what ragspace adds before the user sees text. */
  serverOverheadMs: { p50: number; p99: number };
  /** A non-streaming turn end to end, for comparison. */
  wholeTurnMs: { p50: number };
}

export async function runChatOverheadBenchmark(options: { database: Database; turns?: number; log?: (message: string) => void }): Promise<ChatOverheadResult> {
  const turns = options.turns ?? 40;
  const bench = await openChatBenchApp(options.database, options.log);
  const { model } = bench;
  const url = `${bench.address}/workspaces/${bench.workspaceId}/chat`;
  try {
    const firstTokens: number[] = [];
    const modelTimes: number[] = [];
    const wholeTurns: number[] = [];
    for (let turn = -3; turn < turns; turn += 1) {
      bench.scriptTurn();
      const requestsBefore = model.requests.length;
      const started = performance.now();
      const response = await fetch(url, { method: 'POST', headers: bench.headers, body: JSON.stringify({ message: 'How long can I return product 12?', stream: true }) });
      const firstToken = await firstTextAfter(response, started, (event) => event.event === 'token');
      const modelTime = model.requests.slice(requestsBefore).reduce((total, request) => total + request.firstByteMs, 0);
      bench.scriptTurn();
      const wholeStarted = performance.now();
      await (await fetch(url, { method: 'POST', headers: bench.headers, body: JSON.stringify({ message: 'How long can I return product 12?' }) })).json();
      // The first turns warm up JIT and caches and are not counted.
      if (turn < 0) continue;
      firstTokens.push(firstToken);
      modelTimes.push(modelTime);
      wholeTurns.push(performance.now() - wholeStarted);
    }
    const overheads = firstTokens.map((value, index) => value - modelTimes[index]!);
    return {
      scenario: 'chat-overhead',
      turns,
      documents: bench.documents,
      timeToFirstTokenMs: { p50: round(percentile(firstTokens, 0.5)), p99: round(percentile(firstTokens, 0.99)) },
      modelTimeMs: { p50: round(percentile(modelTimes, 0.5)) },
      serverOverheadMs: { p50: round(percentile(overheads, 0.5)), p99: round(percentile(overheads, 0.99)) },
      wholeTurnMs: { p50: round(percentile(wholeTurns, 0.5)) },
    };
  } finally {
    await bench.close();
  }
}

export const scenario: BenchScenario = {
  name: 'chat-overhead',
  description: 'Server-side overhead of a streamed chat turn (one hybrid_search tool call) over the model time, with a local OpenAI-compatible server',
  run: (context) =>
    withBenchDatabase(context, async ({ database }) =>
      keyValueReport(await runChatOverheadBenchmark({ database, turns: sized(context, 40, 6), log: context.log })),
    ),
};
