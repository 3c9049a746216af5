// The usage recorder and usage scopes, on both tiers: buffered rows are all written on a clean
// shutdown, a failed write is retried, and embedding and LLM extraction calls made deep inside a
// service are billed to the workspace whose work made them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { withWorkspace } from '../../src/db/workspace-scope.ts';
import { notFound } from '../../src/errors.ts';
import { loadConfig } from '../../src/config.ts';
import { createLlmContradictionJudge, createLlmExtractor } from '../../src/graph/extraction/llm-extraction.ts';
import { createGraphIndexer } from '../../src/graph/indexing/graph-indexer.ts';
import { createPostgresGraphStore } from '../../src/graph/postgres/postgres-graph-store.ts';
import { ingestDocument } from '../../src/ingestion/documents.ts';
import { createLocalEmbedder } from '../../src/ingestion/embedders/local-embedder.ts';
import { createChatModel } from '../../src/models/model-provider.ts';
import { createUsageRecorder, type UsageEvent } from '../../src/tenancy/usage.ts';
import { estimateTokens, meterEmbeddings, meterOperation } from '../../src/tenancy/usage-scope.ts';
import type { WorkspaceContext } from '../../src/tenancy/workspace-context.ts';
import { createTestDatabase, createTestTenant } from '../helpers/database.ts';
import { startChatCompletionsServer, type ChatCompletionsServer } from '../graph/helpers/chat-completions-server.ts';

describe('usage recording', () => {
  let database: Database;
  let server: ChatCompletionsServer;
  beforeAll(async () => {
    database = await createTestDatabase();
    server = await startChatCompletionsServer((request) =>
      request.body.response_format?.json_schema?.name === 'find_contradictions'
        ? JSON.stringify({ contradictions: [] })
        : JSON.stringify({ entities: [{ name: 'Lockers', type: 'other', summary: 'Where staff keep things.' }], facts: [] }),
    );
  });
  afterAll(async () => {
    await server.close();
    await database.close();
  });

  const countRows = (context: WorkspaceContext) =>
    withWorkspace(database, context, async (transaction) => {
      const { rows } = await transaction.query<{ count: number }>('SELECT count(*)::int AS count FROM usage_events WHERE workspace_id = $1', [context.workspaceId]);
      return rows[0]!.count;
    });

  it('writes every buffered event on close, whichever workspaces they belong to', async () => {
    const tenants = [await createTestTenant(database), await createTestTenant(database), await createTestTenant(database)];
    // Nothing would be written for an hour, or before 10,000 events: only close() writes them.
    const recorder = createUsageRecorder(database, { flushIntervalMs: 3_600_000, maxBuffered: 10_000 });
    for (let index = 0; index < 600; index += 1) recorder.record(tenants[index % 3]!, { kind: 'search', latencyMs: index });
    expect(await countRows(tenants[0]!)).toBe(0);
    await recorder.close();
    for (const tenant of tenants) expect(await countRows(tenant)).toBe(200);
  });

  it('retries a batch whose write failed', async () => {
    const tenant = await createTestTenant(database);
    let failures = 1;
    const flaky: Database = {
      ...database,
      transaction: (work, opening) => {
        if (failures-- > 0) return Promise.reject(new Error('connection reset'));
        return database.transaction(work, opening);
      },
    };
    const warnings: unknown[] = [];
    const recorder = createUsageRecorder(flaky, { flushIntervalMs: 1, logger: { warn: (entry: unknown) => warnings.push(entry), error: () => undefined } as never });
    recorder.record(tenant, { kind: 'search' });
    await recorder.flush();
    await recorder.close();
    expect(warnings).toHaveLength(1);
    expect(await countRows(tenant)).toBe(1);
  });

  it('bills the embedding and LLM extraction calls an ingestion makes to its workspace, with the outcome', async () => {
    const tenant = await createTestTenant(database);
    const embedder = meterEmbeddings(createLocalEmbedder({ dimensions: 32 }));
    const config = loadConfig({ OPENAI_BASE_URL: server.url, CHAT_MODEL: 'extraction-model', CHAT_MAX_RETRIES: '0' });
    const model = { model: () => createChatModel(config), modelName: 'extraction-model', timeoutMs: config.chat.timeoutMs };
    const indexer = createGraphIndexer({
      store: createPostgresGraphStore(database),
      embedder,
      extractor: createLlmExtractor(model),
      contradictionJudge: createLlmContradictionJudge(model),
    });
    const events: UsageEvent[] = [];
    const content = '# Lockers\n\nLockers are emptied every Friday.';
    const requestsBefore = server.requests.length;
    await meterOperation((event) => events.push(event), { event: () => ({ kind: 'ingestion', documents: 1 }), requestId: 'request-1' }, () =>
      ingestDocument({ database, embedder, listeners: [indexer] }, tenant, { source: 'lockers.md', content }),
    );
    const extractionCalls = server.requests.length - requestsBefore;
    expect(extractionCalls).toBeGreaterThan(0);
    expect(events.find((event) => event.kind === 'ingestion')).toMatchObject({ documents: 1, outcome: 'ok', requestId: 'request-1', latencyMs: expect.any(Number) });
    // The test server reports 100 prompt tokens a call.
    expect(events.find((event) => event.kind === 'graph_extraction')).toMatchObject({
      model: 'extraction-model',
      units: extractionCalls,
      inputTokens: 100 * extractionCalls,
      outcome: 'ok',
    });
    const embedding = events.find((event) => event.kind === 'embedding')!;
    expect(embedding).toMatchObject({ model: embedder.name, outcome: 'ok' });
    expect(embedding.embeddingTokens).toBeGreaterThanOrEqual(estimateTokens('Lockers are emptied every Friday.'));

    const failed: UsageEvent[] = [];
    await expect(
      meterOperation((event) => failed.push(event), { event: () => ({ kind: 'search' }) }, async () => {
        await embedder.embedQuery('lockers');
        throw notFound('nothing here');
      }),
    ).rejects.toThrow('nothing here');
    expect(failed.map((event) => [event.kind, event.outcome])).toEqual([
      ['search', 'not_found'],
      ['embedding', 'not_found'],
    ]);
  });
});
