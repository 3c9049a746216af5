// A chat turn's transactions, leases and usage, on both tiers: two transactions per turn, the
// answer and its usage stored together or not at all, leases released however a turn ends and
// expiring after a crash, and concurrent turns on one session serialised so that every answer
// follows its question.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChatTurn, type ChatDependencies } from '../../src/agent/chat-service.ts';
import { abandonedTurnError, beginTurn } from '../../src/agent/chat-turn-transactions.ts';
import { getSessionMessages } from '../../src/agent/sessions.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import type { Database, Queryable } from '../../src/db/database.ts';
import { withWorkspace } from '../../src/db/workspace-scope.ts';
import { RagspaceError } from '../../src/errors.ts';
import { createLocalEmbedder } from '../../src/ingestion/embedders/local-embedder.ts';
import { updateAgent } from '../../src/tenancy/agents.ts';
import { readQuotaStatus } from '../../src/tenancy/quotas.ts';
import type { WorkspaceContext } from '../../src/tenancy/workspace-context.ts';
import { createTestDatabase, createTestTenant } from '../helpers/database.ts';
import { setLimitOverrides } from '../helpers/limits.ts';
import { startOpenAITestServer, type OpenAITestServer } from '../helpers/openai-test-server.ts';

const leaseSeconds = 60;

describe('the metered chat turn', () => {
  let database: Database;
  let model: OpenAITestServer;
  let config: Config;
  let now = new Date('2027-05-10T12:00:00Z');
  const clock = () => now;
  const embedder = createLocalEmbedder({ dimensions: 32 });

  beforeAll(async () => {
    database = await createTestDatabase();
    model = await startOpenAITestServer();
    config = loadConfig({
      OPENAI_BASE_URL: model.baseUrl,
      CHAT_MODEL: 'test-model',
      CHAT_MAX_RETRIES: '0',
      RAGSPACE_CHAT_LEASE_SECONDS: String(leaseSeconds),
    });
  });
  afterAll(async () => {
    await model.close();
    await database.close();
  });

  const dependenciesFor = (db: Database = database): ChatDependencies => ({ config, database: db, embedder, metering: { clock } });

  /** A workspace whose default agent calls the model once per turn (no tools). */
  async function tenant(overrides: Parameters<typeof setLimitOverrides>[2] = {}): Promise<WorkspaceContext> {
    const context = await createTestTenant(database);
    await updateAgent(database, context, 'default', { enabledTools: [] });
    await setLimitOverrides(database, context.workspaceId, { chatMessagesPerDay: null, llmTokensPerMonth: null, concurrentChatStreams: null, ...overrides });
    return context;
  }

  const liveLeases = async (context: WorkspaceContext) =>
    (await readQuotaStatus(database, context, now)).find((entry) => entry.quota === 'concurrentChatStreams')!.used;

  const usageRows = (context: WorkspaceContext) =>
    withWorkspace(database, context, async (transaction) => {
      const { rows } = await transaction.query<{ kind: string; outcome: string; inputTokens: number; outputTokens: number }>(
        `SELECT kind, outcome, input_tokens AS "inputTokens", output_tokens AS "outputTokens" FROM usage_events
         WHERE workspace_id = $1 ORDER BY created_at, id`,
        [context.workspaceId],
      );
      return rows;
    });

  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('expected the turn to fail');
      },
      (error: unknown) => error,
    );

  /** The database, with every transaction counted and an optional fault injected into its statements. */
  function instrumented(inject?: (sql: string) => void): { database: Database; transactions: () => number } {
    let transactions = 0;
    const wrapped: Database = {
      kind: database.kind,
      exclusiveTransactions: database.exclusiveTransactions,
      query: (sql, parameters) => database.query(sql, parameters),
      executeScript: (sql) => database.executeScript(sql),
      close: async () => undefined,
      transaction: (work, opening) => {
        transactions += 1;
        return database.transaction(
          (transaction) =>
            work({
              executeScript: (sql) => transaction.executeScript(sql),
              query: (sql, parameters) => {
                inject?.(sql);
                return transaction.query(sql, parameters);
              },
            } satisfies Queryable),
          opening,
        );
      },
    };
    return { database: wrapped, transactions: () => transactions };
  }

  it('runs a turn in two transactions and stores the answer with its usage', async () => {
    const context = await tenant();
    const counted = instrumented();
    model.script({ content: 'Two transactions.', usage: { prompt: 40, completion: 6 } });
    const turn = await runChatTurn(dependenciesFor(counted.database), context, { message: 'How many transactions?' });
    expect(counted.transactions()).toBe(2);
    expect(turn.answer).toBe('Two transactions.');
    expect(await usageRows(context)).toEqual([{ kind: 'chat', outcome: 'ok', inputTokens: 40, outputTokens: 6 }]);
    expect(await liveLeases(context)).toBe(0);
  });

  it('keeps neither the answer nor its usage when storing them fails, and answers the orphaned question once its lease expires', async () => {
    const context = await tenant();
    const faulty = instrumented((sql) => {
      if (sql.includes('INSERT INTO usage_events')) throw new Error('simulated crash while storing usage');
    });
    model.script({ content: 'Lost answer.' });
    const first = await failure(runChatTurn(dependenciesFor(faulty.database), context, { message: 'First question' }));
    expect((first as Error).message).toBe('simulated crash while storing usage');
    const [session] = (await withWorkspace(database, context, (transaction) => transaction.query<{ id: string }>('SELECT id FROM sessions'))).rows;
    expect((await getSessionMessages(database, context, session!.id)).map((message) => message.role)).toEqual(['user']);
    expect(await usageRows(context)).toEqual([]);

    // The failed turn still holds its lease: the session is busy until the lease expires on its own.
    const busy = await failure(runChatTurn(dependenciesFor(), context, { message: 'Too soon', sessionId: session!.id }));
    expect(busy).toMatchObject({ code: 'session_busy', statusCode: 409 });
    now = new Date(now.getTime() + leaseSeconds * 1000);
    model.script({ content: 'Second answer.' });
    await runChatTurn(dependenciesFor(), context, { message: 'Second question', sessionId: session!.id });
    const messages = await getSessionMessages(database, context, session!.id);
    expect(messages.map((message) => [message.sequence, message.role, message.status, message.content])).toEqual([
      [1, 'user', 'complete', 'First question'],
      [2, 'assistant', 'failed', ''],
      [3, 'user', 'complete', 'Second question'],
      [4, 'assistant', 'complete', 'Second answer.'],
    ]);
    expect(messages[1]!.error).toBe(abandonedTurnError);
  });

  it('frees a crashed turn’s stream slot when its lease expires, not before', async () => {
    const context = await tenant({ concurrentChatStreams: 1 });
    // A process that dies right after admitting its turn: the lease is taken and never renewed or released.
    const crashed = await beginTurn({ config, database }, context, { message: 'Never answered' }, { enforceQuotas: true, now, leaseSeconds });
    const refused = await failure(runChatTurn(dependenciesFor(), context, { message: 'Blocked' }));
    expect(refused).toBeInstanceOf(RagspaceError);
    expect(refused).toMatchObject({
      code: 'quota_exceeded',
      statusCode: 429,
      details: { quota: 'concurrentChatStreams', limit: 1, used: 1, resetsAt: crashed.lease.expiresAt.toISOString() },
    });

    now = new Date(crashed.lease.expiresAt.getTime() - 1);
    expect(await failure(runChatTurn(dependenciesFor(), context, { message: 'Still blocked' }))).toMatchObject({ code: 'quota_exceeded' });
    now = crashed.lease.expiresAt;
    model.script({ content: 'Unblocked.' });
    expect((await runChatTurn(dependenciesFor(), context, { message: 'Now' })).answer).toBe('Unblocked.');
    expect(await liveLeases(context)).toBe(0);
  });

  it('releases the lease when the model fails and when the client disconnects, recording each outcome', async () => {
    const context = await tenant({ concurrentChatStreams: 1 });
    model.script({ status: 500, message: 'model exploded' });
    expect(await failure(runChatTurn(dependenciesFor(), context, { message: 'Fail' }))).toMatchObject({ code: 'upstream_error' });
    expect(await liveLeases(context)).toBe(0);

    const abort = new AbortController();
    model.script({ hangAfter: ['Partial ', 'answer '] });
    let tokens = 0;
    const disconnected = failure(
      runChatTurn(dependenciesFor(), context, { message: 'Hang' }, {
        signal: abort.signal,
        emit: (event) => {
          if (event.type === 'token' && ++tokens === 2) abort.abort();
        },
      }),
    );
    await disconnected;
    expect(await liveLeases(context)).toBe(0);
    // Both rows carry the same (injected) time: compare them in a fixed order.
    expect((await usageRows(context)).map((row) => `${row.kind}:${row.outcome}`).sort()).toEqual(['chat:interrupted', 'chat:upstream_error']);
    model.script({ content: 'Free again.' });
    expect((await runChatTurn(dependenciesFor(), context, { message: 'Again' })).answer).toBe('Free again.');
  });

  it('serialises concurrent turns on one session: gap-free, ordered, each answer after its question, a usage row per turn', async () => {
    const context = await tenant();
    model.script({ content: 'Opening answer.' });
    const opening = await runChatTurn(dependenciesFor(), context, { message: 'Opening' });
    const questions = Array.from({ length: 8 }, (_, index) => `Question ${index}`);
    for (let index = 0; index < questions.length; index += 1) {
      model.script({ content: (body) => `Answer to ${String(body.messages.at(-1)?.content)}` });
    }
    let refusals = 0;
    // Every client retries while the session is busy, as the 409 asks.
    const ask = async (question: string): Promise<void> => {
      for (;;) {
        try {
          await runChatTurn(dependenciesFor(), context, { message: question, sessionId: opening.sessionId });
          return;
        } catch (error) {
          if (!(error instanceof RagspaceError) || error.code !== 'session_busy') throw error;
          refusals += 1;
          await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
        }
      }
    };
    await Promise.all(questions.map(ask));

    const messages = await getSessionMessages(database, context, opening.sessionId);
    expect(messages.map((message) => message.sequence)).toEqual(Array.from({ length: 2 + 2 * questions.length }, (_, index) => index + 1));
    for (let index = 0; index < messages.length; index += 2) {
      const [question, answer] = [messages[index]!, messages[index + 1]!];
      expect(question.role).toBe('user');
      expect(answer.role).toBe('assistant');
      if (index > 0) expect(answer.content).toBe(`Answer to ${question.content}`);
    }
    expect(new Set(messages.filter((message) => message.role === 'user').map((message) => message.content))).toEqual(new Set(['Opening', ...questions]));
    expect((await usageRows(context)).filter((row) => row.kind === 'chat')).toHaveLength(1 + questions.length);
    expect(refusals).toBeGreaterThan(0);
  });
});
