// The LLM path through the real @langchain/openai client against a local server that speaks the
// Chat Completions wire format: one structured-output call per document, a contradiction call only
// when stored facts are touched, and contradicted facts invalidated rather than deleted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { loadConfig } from '../../src/config.ts';
import { createGraphExtraction } from '../../src/graph/graph-services.ts';
import { getEntityTimeline } from '../../src/graph/graph-search.ts';
import { createGraphIndexer, type GraphIndexer } from '../../src/graph/indexing/graph-indexer.ts';
import { createPostgresGraphStore } from '../../src/graph/postgres/postgres-graph-store.ts';
import type { WorkspaceContext } from '../../src/tenancy/workspace-context.ts';
import { createTestDatabase, createTestTenant } from '../helpers/database.ts';
import { startChatCompletionsServer, type ChatCompletionRequest, type ChatCompletionsServer } from './helpers/chat-completions-server.ts';
import { documentFromText } from './helpers/graph-fixtures.ts';
import { createTestEmbedder } from './helpers/test-embedder.ts';

const profileExtraction = {
  entities: [
    { name: 'Northwind Robotics', type: 'organization', summary: 'A warehouse automation company.' },
    { name: 'Maria Chen', type: 'person', summary: 'Co-founder and chief executive of Northwind Robotics.' },
    { name: 'Rotterdam', type: 'place', summary: 'A Dutch city.' },
  ],
  facts: [
    { source: 'Maria Chen', target: 'Northwind Robotics', relation: 'CEO_OF', fact: 'Maria Chen is the chief executive of Northwind Robotics.', valid_at: null, invalid_at: null, chunk: 2 },
    { source: 'Northwind Robotics', target: 'Rotterdam', relation: 'headquartered in', fact: 'Northwind Robotics is headquartered in Rotterdam.', valid_at: '2014', invalid_at: null, chunk: 1 },
    // "Helix Vision" is missing from the entity list: the fact still gets its endpoint.
    { source: 'Northwind Robotics', target: 'Helix Vision', relation: 'acquired', fact: 'Northwind Robotics acquired Helix Vision in 2019.', valid_at: '2019-06', invalid_at: null, chunk: 1 },
  ],
};

const updateExtraction = {
  entities: [
    { name: 'Omar Haddad', type: 'person', summary: 'Chief executive of Northwind Robotics since 2024.' },
    { name: 'Northwind Robotics', type: 'organization', summary: '' },
  ],
  facts: [
    { source: 'Omar Haddad', target: 'Northwind Robotics', relation: 'CEO_OF', fact: 'Omar Haddad became chief executive of Northwind Robotics in January 2024.', valid_at: '2024-01-01', invalid_at: null, chunk: 1 },
  ],
};

function scriptedAnswer(request: ChatCompletionRequest): string {
  const name = request.body.response_format?.json_schema?.name;
  const input = request.body.messages.at(-1)?.content ?? '';
  if (name === 'extract_knowledge_graph') {
    if (input.includes('Broken')) return '{"entities": "not a list"}';
    return JSON.stringify(input.includes('Omar') ? updateExtraction : profileExtraction);
  }
  if (name === 'find_contradictions') {
    // Answer like a model would: the new CEO fact contradicts the stored CEO fact, nothing else.
    const newIndex = input.split('\n').find((line) => /^N\d+\..*Omar/.test(line))?.match(/^N(\d+)/)?.[1];
    const existingIndex = input.split('\n').find((line) => /^E\d+\..*Maria Chen -\[ceo of\]/.test(line))?.match(/^E(\d+)/)?.[1];
    return JSON.stringify({ contradictions: newIndex && existingIndex ? [{ new_fact: Number(newIndex), existing_fact: Number(existingIndex) }] : [] });
  }
  throw new Error(`Unexpected request for ${name}`);
}

describe('LLM extraction over an OpenAI-compatible server', () => {
  let server: ChatCompletionsServer;
  let database: Database;
  let context: WorkspaceContext;
  let indexer: GraphIndexer;
  const store = () => createPostgresGraphStore(database);
  const embedder = createTestEmbedder();

  beforeAll(async () => {
    server = await startChatCompletionsServer(scriptedAnswer);
    database = await createTestDatabase();
    context = await createTestTenant(database);
    // The configured path, as the server builds it: the model provider's chat model for graph-test-model.
    const config = loadConfig({ OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: server.url, CHAT_MODEL: 'graph-test-model', CHAT_MAX_RETRIES: '0' });
    indexer = createGraphIndexer({ store: store(), embedder, ...(await createGraphExtraction(config)) });
  });
  afterAll(async () => {
    await server.close();
    await database.close();
  });

  it('extracts a whole document in one structured-output call', async () => {
    const { document, chunks } = documentFromText('profile.md', 'Northwind Robotics is based in Rotterdam.\n\nMaria Chen leads it.');
    const summary = await indexer.indexDocument(context, document, chunks);
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request!.authorization).toBe('Bearer test-key');
    expect(request!.body.model).toBe('graph-test-model');
    expect(request!.body.response_format?.type).toBe('json_schema');
    expect(request!.body.response_format?.json_schema?.name).toBe('extract_knowledge_graph');
    expect(JSON.stringify(request!.body.response_format?.json_schema?.schema)).toContain('valid_at');
    expect(request!.body.messages.map((message) => message.role)).toEqual(['system', 'user']);
    expect(request!.body.messages[1]!.content).toContain('[chunk 1]');
    expect(request!.body.messages[1]!.content).toContain('[chunk 2]');
    expect(summary).toMatchObject({ episodes: 2, newEntities: 4, newFacts: 3, invalidatedFacts: 0 });

    const timeline = (await getEntityTimeline({ store: store(), embedder }, context, 'Northwind Robotics')).facts;
    expect(timeline.map((fact) => [fact.relation, fact.validAt])).toEqual([
      ['headquartered in', '2014-01-01T00:00:00.000Z'],
      ['acquired', '2019-06-01T00:00:00.000Z'],
      ['ceo of', null],
    ]);
    const ceo = timeline.find((fact) => fact.relation === 'ceo of');
    expect(ceo?.source.name).toBe('Maria Chen');
    // The fact came from chunk 2: its provenance is that chunk's episode.
    const [, secondEpisode] = await store().episodeIdsOfDocument(context, document.id);
    expect(secondEpisode).toBeDefined();
    expect(await store().findEntitiesByName(context, 'helix vision')).toEqual([expect.objectContaining({ type: 'other' })]);
  });

  it('asks the model about contradictions with stored facts and invalidates the loser', async () => {
    const { document, chunks } = documentFromText('update.md', 'Omar Haddad became chief executive of Northwind Robotics in January 2024.');
    const summary = await indexer.indexDocument(context, document, chunks);
    expect(server.requests.map((request) => request.body.response_format?.json_schema?.name)).toEqual([
      'extract_knowledge_graph',
      'extract_knowledge_graph',
      'find_contradictions',
    ]);
    expect(summary).toMatchObject({ newFacts: 1, resolvedEntities: 1, invalidatedFacts: 1 });
    const timeline = (await getEntityTimeline({ store: store(), embedder }, context, 'Northwind Robotics')).facts;
    const maria = timeline.find((fact) => fact.source.name === 'Maria Chen');
    const omar = timeline.find((fact) => fact.source.name === 'Omar Haddad');
    expect(maria).toMatchObject({ invalidAt: '2024-01-01T00:00:00.000Z' });
    expect(maria?.expiredAt).not.toBeNull();
    expect(omar).toMatchObject({ validAt: '2024-01-01T00:00:00.000Z', invalidAt: null });
  });

  it('reports a malformed model answer as an upstream error', async () => {
    const { document, chunks } = documentFromText('broken.md', 'Broken document.');
    await expect(indexer.indexDocument(context, document, chunks)).rejects.toMatchObject({ code: 'upstream_error' });
    expect(await store().episodeIdsOfDocument(context, document.id)).toEqual([]);
  });

  it('chooses the LLM path only when a model endpoint is configured', async () => {
    expect((await createGraphExtraction(loadConfig({}))).extractor.name).toBe('offline-compromise');
    const configured = await createGraphExtraction(loadConfig({ OPENAI_BASE_URL: server.url, CHAT_MODEL: 'local-model' }));
    expect(configured.extractor.name).toBe('llm:local-model');
    expect(configured.contradictionJudge.name).toBe('llm:local-model');
  });
});
