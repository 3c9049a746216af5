// The OpenAI-compatible API read by the official `openai` npm client over a real listening server:
// models are the workspace's agents, answers carry usage and citations, streams are OpenAI's
// chunks ending in [DONE], errors are OpenAI's shape with ragspace's status codes, and a key of
// another workspace cannot reach an agent it cannot see.
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { withWorkspace } from '../../src/db/workspace-scope.ts';
import { ingestDocument } from '../../src/ingestion/documents.ts';
import { createAgent, getDefaultAgent } from '../../src/tenancy/agents.ts';
import type { WorkspaceContext } from '../../src/tenancy/workspace-context.ts';
import { acmeDocuments, globexDocuments } from '../agent/fixtures.ts';
import { startOpenAITestServer, type OpenAITestServer } from '../helpers/openai-test-server.ts';
import { adminKey, bearer, createTestApi, createWorkspaceWithKey, type TestApi } from './helpers.ts';

const question = 'How long do refunds of Rocket Skates take?';

interface Extras {
  citations: Array<{ number: number; source: string; title: string; chunk_id: string }>;
  ragspace: { session_id: string; agent_id: string; model: string; tool_calls: Array<{ name: string }> };
}

async function setUpWorkspaces(api: TestApi) {
  const acme = await createWorkspaceWithKey(api.database);
  const globex = await createWorkspaceWithKey(api.database);
  const ingestion = { database: api.database, embedder: api.runtime.embedder };
  for (const document of acmeDocuments) await ingestDocument(ingestion, acme.context, document);
  for (const document of globexDocuments) await ingestDocument(ingestion, globex.context, document);
  return { acme, globex };
}

async function chatUsageRows(api: TestApi, context: WorkspaceContext): Promise<number> {
  return withWorkspace(api.database, context, async (transaction) => {
    const { rows } = await transaction.query<{ count: number }>("SELECT count(*)::int AS count FROM usage_events WHERE workspace_id = $1 AND kind = 'chat'", [
      context.workspaceId,
    ]);
    return rows[0]!.count;
  });
}

describe('OpenAI-compatible API, offline answerer', () => {
  let api: TestApi;
  let baseURL: string;
  let acme: WorkspaceContext;
  let acmeChatKey: string;
  let acmeSearchKey: string;
  let globexChatKey: string;
  let client: OpenAI;

  beforeAll(async () => {
    api = await createTestApi();
    const workspaces = await setUpWorkspaces(api);
    acme = workspaces.acme.context;
    acmeChatKey = await workspaces.acme.keyFor(['chat']);
    acmeSearchKey = await workspaces.acme.keyFor(['search']);
    globexChatKey = await workspaces.globex.keyFor(['chat']);
    await createAgent(api.database, acme, { name: 'Support bot', slug: 'support-bot', enabledTools: ['hybrid_search'] });
    baseURL = `${await api.app.listen({ port: 0, host: '127.0.0.1' })}/v1`;
    client = new OpenAI({ apiKey: acmeChatKey, baseURL, maxRetries: 0 });
  });
  afterAll(() => api.close());

  it("lists the workspace's agents as models", async () => {
    const models = await client.models.list();
    expect(models.data.map((model) => model.id).sort()).toEqual(['default', 'support-bot']);
    expect(models.data.find((model) => model.id === 'default')).toMatchObject({ object: 'model', owned_by: 'ragspace', ragspace: { model: 'extractive', is_default: true } });
  });

  it('answers with citations, usage and a session', async () => {
    const usageBefore = await chatUsageRows(api, acme);
    const { data: completion, response } = await client.chat.completions
      .create({ model: 'support-bot', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: question }] })
      .withResponse();
    expect(completion).toMatchObject({ object: 'chat.completion', model: 'support-bot', choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant' } }] });
    expect(completion.id).toMatch(/^chatcmpl-/);
    expect(completion.choices[0]!.message.content).toContain('Acme refunds any Rocket Skates order within 30 days of delivery. [1]');
    expect(completion.usage).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
    const extras = completion as unknown as Extras;
    expect(extras.citations[0]).toMatchObject({ number: 1, source: 'refunds.md', title: 'Refund policy' });
    expect(extras.ragspace).toMatchObject({ model: 'extractive', tool_calls: [{ name: 'hybrid_search' }] });
    expect(response.headers.get('x-session-id')).toBe(extras.ragspace.session_id);
    // The turn is recorded like any chat turn: usage row and session messages.
    expect(await chatUsageRows(api, acme)).toBe(usageBefore + 1);
    const session = await api.app.inject({ method: 'GET', url: `/workspaces/${acme.workspaceId}/sessions/${extras.ragspace.session_id}`, headers: bearer(acmeChatKey) });
    expect(session.json().messages.map((message: { role: string; content: string }) => [message.role, message.content.slice(0, 20)])).toEqual([
      ['user', question.slice(0, 20)],
      ['assistant', 'Acme refunds any Roc'],
    ]);
  });

  it('streams chat.completion.chunk events with the same answer, then usage, then [DONE]', async () => {
    const stream = await client.chat.completions.create({
      model: 'default',
      messages: [{ role: 'user', content: question }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: '' });
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(text).toContain('Acme refunds any Rocket Skates order within 30 days of delivery. [1]');
    const finish = chunks.find((chunk) => chunk.choices[0]?.finish_reason === 'stop') as unknown as Extras;
    expect(finish.citations.map((citation) => citation.source)).toContain('refunds.md');
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);

    // On the wire: data-only events, the last one [DONE]; no usage chunk when it was not asked for.
    const raw = await fetch(`${baseURL}/chat/completions`, {
      method: 'POST',
      headers: { ...bearer(acmeChatKey), 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'default', messages: [{ role: 'user', content: question }], stream: true }),
    });
    expect(raw.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = (await raw.text()).trim().split('\n\n');
    expect(events.every((event) => event.startsWith('data: '))).toBe(true);
    expect(events.at(-1)).toBe('data: [DONE]');
    expect(events.some((event) => event.includes('"usage":{'))).toBe(false);
  });

  it('continues a ragspace session named by ragspace_session_id or X-Session-Id', async () => {
    const first = await client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: question }] });
    const sessionId = (first as unknown as Extras).ragspace.session_id;
    const followUp = await client.chat.completions.create(
      {
        model: 'default',
        messages: [
          { role: 'user', content: question },
          { role: 'assistant', content: first.choices[0]!.message.content! },
          { role: 'user', content: 'When does the support desk answer calls?' },
        ],
      },
      { headers: { 'X-Session-Id': sessionId } },
    );
    expect(followUp.choices[0]!.message.content).toContain('8am to 6pm');
    expect((followUp as unknown as Extras).ragspace.session_id).toBe(sessionId);
    const session = await api.app.inject({ method: 'GET', url: `/workspaces/${acme.workspaceId}/sessions/${sessionId}`, headers: bearer(acmeChatKey) });
    expect(session.json().messages.map((message: { role: string }) => message.role)).toEqual(['user', 'assistant', 'user', 'assistant']);

    const foreignSession = await new OpenAI({ apiKey: globexChatKey, baseURL, maxRetries: 0 }).chat.completions
      .create({ model: 'default', messages: [{ role: 'user', content: 'hello' }], ragspace_session_id: sessionId } as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming)
      .catch((error: unknown) => error);
    expect(foreignSession).toBeInstanceOf(OpenAI.NotFoundError);
  });

  it("gives another workspace's key no access to this workspace's agent", async () => {
    const acmeDefault = await getDefaultAgent(api.database, acme);
    const globexClient = new OpenAI({ apiKey: globexChatKey, baseURL, maxRetries: 0 });
    for (const model of [acmeDefault.id, 'support-bot']) {
      const error = await globexClient.chat.completions.create({ model, messages: [{ role: 'user', content: question }] }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OpenAI.NotFoundError);
      expect(error).toMatchObject({ status: 404, code: 'model_not_found', type: 'invalid_request_error' });
    }
    expect((await globexClient.models.list()).data.map((model) => model.id)).toEqual(['default']);
    // Its own default agent answers from its own documents only.
    const own = await globexClient.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'Rocket Skates refunds' }] });
    expect(JSON.stringify(own)).not.toContain('refunds.md');
  });

  it("refuses bad requests in OpenAI's error shape with ragspace's status codes", async () => {
    const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);
    const send = (body: Record<string, unknown>) => failure(client.chat.completions.create(body as unknown as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming));

    expect(await send({ model: 'default', messages: [] })).toMatchObject({ status: 400, type: 'invalid_request_error', code: 'validation_error', param: 'messages' });
    expect(await send({ model: 'default', messages: [{ role: 'assistant', content: 'hi' }] })).toMatchObject({ status: 400, param: 'messages.0' });
    expect(await send({ model: 'default', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x' } }] }] })).toMatchObject({
      status: 400,
      message: expect.stringContaining('"image_url" are not supported'),
    });
    expect(await send({ model: 'default', messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function', function: { name: 'f' } }] })).toMatchObject({
      status: 400,
      param: 'tools',
    });
    expect(await send({ model: 'nope', messages: [{ role: 'user', content: 'hi' }] })).toMatchObject({ status: 404, code: 'model_not_found' });

    const wrongKey = await failure(new OpenAI({ apiKey: 'rsk_wrong_key', baseURL, maxRetries: 0 }).models.list());
    expect(wrongKey).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(wrongKey).toMatchObject({ status: 401, type: 'authentication_error', code: 'unauthorized' });
    const noChatScope = await failure(new OpenAI({ apiKey: acmeSearchKey, baseURL, maxRetries: 0 }).models.list());
    expect(noChatScope).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(noChatScope).toMatchObject({ status: 403, type: 'permission_error', code: 'insufficient_scope' });
    const notAWorkspaceKey = await failure(new OpenAI({ apiKey: adminKey, baseURL, maxRetries: 0 }).models.list());
    expect(notAWorkspaceKey).toMatchObject({ status: 403, code: 'forbidden', message: expect.stringContaining('workspace API key') });

    const unknownRoute = await fetch(`${baseURL}/embeddings`, { method: 'POST', headers: bearer(acmeChatKey) });
    expect(unknownRoute.status).toBe(404);
    expect(await unknownRoute.json()).toEqual({ error: { message: 'No route POST /v1/embeddings', type: 'invalid_request_error', param: null, code: 'route_not_found' } });
    const badJson = await fetch(`${baseURL}/chat/completions`, { method: 'POST', headers: { ...bearer(acmeChatKey), 'content-type': 'application/json' }, body: '{' });
    expect(badJson.status).toBe(400);
    expect(((await badJson.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
    expect(api.logLines.filter((line) => line.includes('"level":50'))).toEqual([]);
  });
});

describe('OpenAI-compatible API, with a language model', () => {
  let upstream: OpenAITestServer;
  let api: TestApi;
  let client: OpenAI;

  beforeAll(async () => {
    upstream = await startOpenAITestServer();
    api = await createTestApi({ environment: { OPENAI_BASE_URL: upstream.baseUrl, CHAT_MODEL: 'upstream-model', CHAT_MAX_RETRIES: '0' } });
    const { acme } = await setUpWorkspaces(api);
    client = new OpenAI({ apiKey: await acme.keyFor(['chat']), baseURL: `${await api.app.listen({ port: 0, host: '127.0.0.1' })}/v1`, maxRetries: 0 });
  });
  beforeEach(() => {
    upstream.requests.length = 0;
  });
  afterAll(async () => {
    await api.close();
    await upstream.close();
  });

  it("sends the client's conversation to the model with the agent's prompt and tools, and reports the model's usage", async () => {
    upstream.script(
      { toolCalls: [{ name: 'hybrid_search', arguments: { query: 'refund rocket skates' } }] },
      { content: 'Within 30 days of delivery [1].', usage: { prompt: 200, completion: 9 } },
    );
    const completion = await client.chat.completions.create({
      model: 'default',
      messages: [
        { role: 'user', content: 'I bought Rocket Skates.' },
        { role: 'assistant', content: 'How can I help with them?' },
        { role: 'user', content: 'Can I get a refund?' },
      ],
    });
    expect(completion.choices[0]!.message.content).toBe('Within 30 days of delivery [1].');
    expect(completion.usage).toEqual({ prompt_tokens: 11 + 200, completion_tokens: 7 + 9, total_tokens: 18 + 209 });
    expect((completion as unknown as Extras).citations).toEqual([expect.objectContaining({ number: 1, source: 'refunds.md' })]);
    expect((completion as unknown as Extras).ragspace.model).toBe('upstream-model');

    const [first] = upstream.requests;
    expect(first!.body.model).toBe('upstream-model');
    expect(first!.body.messages.map((message) => [message.role, message.content])).toEqual([
      ['system', expect.stringContaining('You answer questions using only the knowledge of this workspace.')],
      ['user', 'I bought Rocket Skates.'],
      ['assistant', 'How can I help with them?'],
      ['user', 'Can I get a refund?'],
    ]);
    expect(first!.body.tools!.map((tool) => tool.function.name)).toContain('hybrid_search');
  });

  it("streams the model's tokens as they come, with the usage chunk", async () => {
    upstream.script({ content: 'Support answers from 8am to 6pm.', usage: { prompt: 50, completion: 8 } });
    const stream = await client.chat.completions.create({
      model: 'default',
      messages: [{ role: 'user', content: 'When is support open?' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const pieces: string[] = [];
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) pieces.push(chunk.choices[0].delta.content);
      if (chunk.usage) usage = chunk.usage;
    }
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.join('')).toBe('Support answers from 8am to 6pm.');
    expect(usage).toEqual({ prompt_tokens: 50, completion_tokens: 8, total_tokens: 58 });
  });

  it('reports a failing model as a 502 in the error shape, and mid-stream as an error event', async () => {
    upstream.script({ status: 500, message: 'model overloaded' });
    const failure = await client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'hello' }] }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ status: 502, type: 'server_error', code: 'upstream_error' });

    upstream.script({ status: 500, message: 'model overloaded' });
    const stream = await client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'hello' }], stream: true });
    const streamed = await (async () => {
      for await (const chunk of stream) void chunk;
    })().catch((error: unknown) => error);
    expect(streamed).toBeInstanceOf(OpenAI.APIError);
    expect(streamed).toMatchObject({ code: 'upstream_error', type: 'server_error' });
  });
});
