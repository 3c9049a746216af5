// POST /workspaces/:id/chat and the session routes over a real listening server, read by real
// clients: fetch for JSON, eventsource-parser for the Server-Sent Events.
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.ts';
import { loadConfig } from '../../src/config.ts';
import type { Database } from '../../src/db/database.ts';
import type { Runtime } from '../../src/runtime.ts';
import { createApiKey } from '../../src/tenancy/api-keys.ts';
import type { ApiKeyScope, WorkspaceContext } from '../../src/tenancy/workspace-context.ts';
import { startOpenAITestServer, type OpenAITestServer } from '../helpers/openai-test-server.ts';
import { createTwoWorkspaces, embedder } from './fixtures.ts';

const keyPepper = 'chat-api-test-pepper-0123456789abcdefghij';

interface ChatBody {
  session_id: string;
  message: string;
  model: string;
  citations: Array<{ source: string }>;
  error: { code: string; message: string };
}

interface SessionBody {
  id: string;
  items: Array<{ id: string }>;
  messages: Array<{ role: string; status: string; content: string }>;
  error: { code: string };
}

const chatJson = async (response: Response) => (await response.json()) as ChatBody;
const sessionJson = async (response: Response) => (await response.json()) as SessionBody;

interface Served {
  app: FastifyInstance;
  baseUrl: string;
}

async function serve(database: Database, environment: Record<string, string>): Promise<Served> {
  const runtime = {
    config: loadConfig(environment),
    logger: pino({ level: 'silent' }),
    database,
    keyPepper,
    embedded: false,
    isOwner: true,
    embedder,
    close: async () => undefined,
  } as unknown as Runtime;
  const app = await buildApp(runtime, { rateLimit: false });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, baseUrl: address };
}

async function readEvents(response: Response, stopAfter?: (events: EventSourceMessage[]) => boolean): Promise<EventSourceMessage[]> {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event) });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parser.feed(decoder.decode(value, { stream: true }));
    if (stopAfter?.(events)) {
      await reader.cancel();
      break;
    }
  }
  return events;
}

async function eventually(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`gave up waiting: ${what}`);
}

describe('the chat API', () => {
  let database: Database;
  let model: OpenAITestServer;
  let withModel: Served;
  let offline: Served;
  let acme: WorkspaceContext;
  let globex: WorkspaceContext;
  let acmeKey: string;
  let globexKey: string;

  const keyFor = async (context: WorkspaceContext, scopes: ApiKeyScope[]) => (await createApiKey(database, keyPepper, context, { scopes })).secret;

  function post(served: Served, workspaceId: string, key: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${served.baseUrl}/workspaces/${workspaceId}/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  }

  const get = (served: Served, path: string, key: string) => fetch(`${served.baseUrl}${path}`, { headers: { authorization: `Bearer ${key}` } });

  beforeAll(async () => {
    ({ database, acme, globex } = await createTwoWorkspaces());
    model = await startOpenAITestServer();
    acmeKey = await keyFor(acme, ['chat']);
    globexKey = await keyFor(globex, ['chat']);
    withModel = await serve(database, { OPENAI_BASE_URL: model.baseUrl, CHAT_MODEL: 'test-model', CHAT_MAX_RETRIES: '0', CHAT_TIMEOUT_MS: '1500' });
    offline = await serve(database, {});
  });
  afterAll(async () => {
    await withModel.app.close();
    await offline.app.close();
    await model.close();
    await database.close();
  });

  it('answers as JSON with session, citations, tool calls, usage and model', async () => {
    model.script({ toolCalls: [{ name: 'hybrid_search', arguments: { query: 'support hours' } }] }, { content: 'From 8am to 6pm [1].' });
    const response = await post(withModel, acme.workspaceId, acmeKey, { message: 'When is support open?', customer_id: 'customer-42' });
    expect(response.status).toBe(200);
    const body = await chatJson(response);
    expect(body).toMatchObject({
      message: 'From 8am to 6pm [1].',
      model: 'test-model',
      citations: [{ number: 1, source: 'support-hours.md', title: 'Support hours', chunk_id: expect.any(String), document_id: expect.any(String) }],
      tool_calls: [{ name: 'hybrid_search', arguments: { query: 'support hours' }, summary: expect.any(String) }],
      usage: { input_tokens: expect.any(Number), output_tokens: expect.any(Number), total_tokens: expect.any(Number) },
    });
    const session = await sessionJson(await get(withModel, `/workspaces/${acme.workspaceId}/sessions/${body.session_id}`, acmeKey));
    expect(session).toMatchObject({ id: body.session_id, customer_id: 'customer-42' });
    expect(session.messages.map((message) => message.role)).toEqual(['user', 'assistant']);
  });

  it('streams Server-Sent Events in order: session, tool_call, tool_result, tokens, citations, usage, done', async () => {
    model.script({ toolCalls: [{ name: 'hybrid_search', arguments: { query: 'refunds' } }] }, { content: 'Within 30 days of delivery [1].' });
    const response = await post(withModel, acme.workspaceId, acmeKey, { message: 'Refund window?', stream: true });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = await readEvents(response);
    const names = events.map((event) => event.event);
    expect(names[0]).toBe('session');
    expect(names.slice(1, 3)).toEqual(['tool_call', 'tool_result']);
    expect(names.slice(-3)).toEqual(['citations', 'usage', 'done']);
    const text = events.filter((event) => event.event === 'token').map((event) => JSON.parse(event.data).text).join('');
    expect(text).toBe('Within 30 days of delivery [1].');
    expect(JSON.parse(events.find((event) => event.event === 'tool_result')!.data)).toMatchObject({ name: 'hybrid_search', summary: expect.stringMatching(/passages? from/) });
    expect(JSON.parse(events.at(-2)!.data)).toMatchObject({ model: 'test-model' });
    expect(JSON.parse(events.find((event) => event.event === 'citations')!.data).citations[0]).toMatchObject({ source: 'refunds.md' });
  });

  it('streams when the client asks with Accept: text/event-stream', async () => {
    const response = await post(offline, acme.workspaceId, acmeKey, { message: 'When does the support desk answer calls?' }, { accept: 'text/event-stream' });
    const events = await readEvents(response);
    expect(events.at(-1)!.event).toBe('done');
    expect(JSON.parse(events.at(-1)!.data).message).toContain('8am to 6pm');
  });

  it('stops the model call when the client disconnects, and keeps what was said', async () => {
    const abandonedBefore = model.abandonedRequests;
    model.script({ hangAfter: ['Partial ', 'answer '] });
    const controller = new AbortController();
    const response = await fetch(`${withModel.baseUrl}/workspaces/${acme.workspaceId}/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${acmeKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'Tell me a long story', stream: true }),
      signal: controller.signal,
    });
    const events = await readEvents(response, (seen) => seen.filter((event) => event.event === 'token').length === 2);
    const sessionId = JSON.parse(events[0]!.data).session_id;
    controller.abort();
    await eventually(() => model.abandonedRequests === abandonedBefore + 1, 'the model request to be abandoned');
    await eventually(async () => {
      const session = await sessionJson(await get(withModel, `/workspaces/${acme.workspaceId}/sessions/${sessionId}`, acmeKey));
      return session.messages.length === 2;
    }, 'the interrupted answer to be stored');
    const session = await sessionJson(await get(withModel, `/workspaces/${acme.workspaceId}/sessions/${sessionId}`, acmeKey));
    expect(session.messages[1]).toMatchObject({ role: 'assistant', content: 'Partial answer ', status: 'interrupted' });
  });

  it('sends a clear error event when the model fails mid-stream, and keeps the session', async () => {
    model.script({ status: 503, message: 'upstream overloaded' });
    const events = await readEvents(await post(withModel, acme.workspaceId, acmeKey, { message: 'Hello?', stream: true }));
    expect(events.map((event) => event.event)).toEqual(['session', 'error']);
    expect(JSON.parse(events[1]!.data)).toMatchObject({ code: 'upstream_error', message: expect.stringContaining('HTTP 503') });
    const sessionId = JSON.parse(events[0]!.data).session_id;
    const session = await sessionJson(await get(withModel, `/workspaces/${acme.workspaceId}/sessions/${sessionId}`, acmeKey));
    expect(session.messages.map((message) => message.status)).toEqual(['complete', 'failed']);
  });

  it('times out a model that stops answering', async () => {
    model.script({ hangAfter: ['Thinking'] });
    const response = await post(withModel, acme.workspaceId, acmeKey, { message: 'Slow question' });
    expect(response.status).toBe(504);
    expect((await chatJson(response)).error).toMatchObject({ code: 'upstream_timeout' });
  });

  it('answers offline with the extractive model, citing its own workspace only', async () => {
    const response = await post(offline, globex.workspaceId, globexKey, { message: 'What are the salary bands for engineers?' });
    const body = await chatJson(response);
    expect(body.model).toBe('extractive');
    expect(body.message).toContain('120,000 to 190,000 dollars');
    expect(body.citations.map((citation) => citation.source)).toEqual(['salaries.md']);
  });

  it('keeps workspaces apart and checks input', async () => {
    const mismatch = await post(offline, globex.workspaceId, acmeKey, { message: 'hi' });
    expect(mismatch.status).toBe(403);
    expect((await chatJson(mismatch)).error.code).toBe('workspace_mismatch');

    const searchOnly = await keyFor(acme, ['search']);
    const noScope = await post(offline, acme.workspaceId, searchOnly, { message: 'hi' });
    expect(noScope.status).toBe(403);
    expect((await chatJson(noScope)).error.code).toBe('insufficient_scope');

    const acmeTurn = await chatJson(await post(offline, acme.workspaceId, acmeKey, { message: 'refunds' }));
    const foreignSession = await post(offline, globex.workspaceId, globexKey, { message: 'hi', session_id: acmeTurn.session_id, stream: true });
    expect(foreignSession.status).toBe(404);
    expect((await chatJson(foreignSession)).error.code).toBe('not_found');
    expect((await get(offline, `/workspaces/${globex.workspaceId}/sessions/${acmeTurn.session_id}`, globexKey)).status).toBe(404);

    const unknownAgent = await post(offline, acme.workspaceId, acmeKey, { message: 'hi', agent_id: 'nobody' });
    expect(unknownAgent.status).toBe(404);

    const empty = await post(offline, acme.workspaceId, acmeKey, { message: '  ' });
    expect(empty.status).toBe(400);
    const extra = await post(offline, acme.workspaceId, acmeKey, { message: 'hi', workspace_id: globex.workspaceId });
    expect(extra.status).toBe(400);
  });

  it('lists and deletes sessions', async () => {
    const turn = await chatJson(await post(offline, globex.workspaceId, globexKey, { message: 'salary' }));
    const listed = await sessionJson(await get(offline, `/workspaces/${globex.workspaceId}/sessions?limit=100`, globexKey));
    expect(listed.items.map((session) => session.id)).toContain(turn.session_id);
    const removed = await fetch(`${offline.baseUrl}/workspaces/${globex.workspaceId}/sessions/${turn.session_id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${globexKey}` },
    });
    expect(removed.status).toBe(204);
    expect((await get(offline, `/workspaces/${globex.workspaceId}/sessions/${turn.session_id}`, globexKey)).status).toBe(404);
  });
});
