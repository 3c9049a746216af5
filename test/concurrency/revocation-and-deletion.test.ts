// Taking access away while work is in flight, over a listening server with real clients:
//  - a key revoked while its searches and an SSE chat stream run: work authorised before the
//    revocation finishes whole (the stream ends with `done`, its answer stored), every later
//    request with the key gets 401, and no response is anything else;
//  - a workspace deleted while it is searched, ingested (directly and by background jobs) and
//    chatted with: every request gets a clear answer in the error shape (never a 5xx), and
//    afterwards no row of any table still carries its workspace id.
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { withWorkspace } from '../../src/db/workspace-scope.ts';
import { createApiKey } from '../../src/tenancy/api-keys.ts';
import { createTestApi, createWorkspaceWithKey, keyPepper, type TestApi } from '../api/helpers.ts';
import { createTestDatabase } from '../helpers/database.ts';
import { startOpenAITestServer, type OpenAITestServer } from '../helpers/openai-test-server.ts';

interface Served {
  api: TestApi;
  baseUrl: string;
}

async function serve(database: Database, environment: Record<string, string> = {}): Promise<Served> {
  const api = await createTestApi({ database, environment, ingestionJobs: { concurrency: 1, pollIntervalMs: 50 } });
  const baseUrl = await api.app.listen({ port: 0, host: '127.0.0.1' });
  return { api, baseUrl };
}

function call(served: Served, key: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${served.baseUrl}${path}`, {
    method,
    headers: { 'x-api-key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Every error a client gets is in the one error shape with a code and a message. */
async function expectErrorShape(response: Response): Promise<string> {
  const body = (await response.json()) as { error?: { code?: unknown; message?: unknown } };
  expect(body.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
  return body.error!.code as string;
}

async function readEvents(response: Response, onEvent: (event: EventSourceMessage) => void): Promise<EventSourceMessage[]> {
  const events: EventSourceMessage[] = [];
  const parser = createParser({
    onEvent: (event) => {
      events.push(event);
      onEvent(event);
    },
  });
  const decoder = new TextDecoder();
  for await (const piece of response.body!) parser.feed(decoder.decode(piece as Uint8Array, { stream: true }));
  return events;
}

/** Every table with a workspace_id column, and how many of its rows carry this workspace's id. */
async function rowsLeftBehind(database: Database, workspaceId: string): Promise<Record<string, number>> {
  const { rows: tables } = await database.query<{ table: string }>(
    `SELECT table_name AS "table" FROM information_schema.columns
     WHERE table_schema = 'public' AND column_name = 'workspace_id'
       -- The audit trail outlives what it describes (the deletion is itself an event); tenants cannot read it.
       AND table_name <> 'audit_events'
     ORDER BY table_name`,
  );
  expect(tables.length).toBeGreaterThan(10);
  const left: Record<string, number> = {};
  await withWorkspace(database, { workspaceId }, async (transaction) => {
    for (const { table } of tables) {
      const { rows } = await transaction.query<{ count: number }>(`SELECT count(*)::integer AS count FROM "${table}" WHERE workspace_id = $1`, [workspaceId]);
      if (rows[0]!.count > 0) left[table] = rows[0]!.count;
    }
    const { rows } = await transaction.query<{ count: number }>('SELECT count(*)::integer AS count FROM workspaces WHERE id = $1', [workspaceId]);
    if (rows[0]!.count > 0) left.workspaces = rows[0]!.count;
  });
  return left;
}

describe('access taken away while work is in flight', () => {
  let database: Database;
  let model: OpenAITestServer;
  let served: Served;

  beforeAll(async () => {
    database = await createTestDatabase();
    model = await startOpenAITestServer();
    served = await serve(database, { OPENAI_BASE_URL: model.baseUrl, CHAT_MODEL: 'test-model', CHAT_MAX_RETRIES: '0', CHAT_TIMEOUT_MS: '30000' });
  });
  afterAll(async () => {
    await served.api.app.close();
    await model.close();
    await database.close();
  });

  it('finishes what a revoked key started and refuses everything after', async () => {
    const workspace = await createWorkspaceWithKey(database);
    const base = `/workspaces/${workspace.context.workspaceId}`;
    const created = await createApiKey(database, keyPepper, workspace.context, { scopes: ['chat', 'search'] });
    const key = created.secret;
    await call(served, workspace.adminSecret, 'POST', `${base}/documents`, { source: 'refunds.md', content: '# Refunds\n\nRefunds take thirty days.' });

    let release!: () => void;
    model.script({ content: 'Refunds take thirty days [1].', holdUntil: new Promise<void>((resolve) => (release = resolve)) });
    let firstToken!: () => void;
    const tokenArrived = new Promise<void>((resolve) => (firstToken = resolve));
    const stream = call(served, key, 'POST', `${base}/chat`, { message: 'How long do refunds take?', stream: true }).then(async (response) => {
      expect(response.status).toBe(200);
      return readEvents(response, (event) => event.event === 'token' && firstToken());
    });
    await tokenArrived;

    // Searches race the revocation: each is either served or refused as unauthorised, nothing else.
    const searches = Array.from({ length: 12 }, async (_, index) => {
      await sleep(index * 5);
      const response = await call(served, key, 'POST', `${base}/search`, { query: 'refunds', mode: 'text' });
      if (response.status !== 200) expect(await expectErrorShape(response)).toBe('unauthorized');
      return response.status;
    });
    const revoked = await call(served, workspace.adminSecret, 'DELETE', `${base}/api-keys/${created.apiKey.id}`);
    expect(revoked.status).toBe(200);
    const statuses = await Promise.all(searches);
    expect(statuses.every((status) => status === 200 || status === 401)).toBe(true);

    const after = await call(served, key, 'POST', `${base}/search`, { query: 'refunds', mode: 'text' });
    expect(after.status).toBe(401);
    expect(await expectErrorShape(after)).toBe('unauthorized');

    // The stream authorised before the revocation finishes, and its turn is stored whole.
    release();
    const events = await stream;
    expect(events.at(-1)?.event).toBe('done');
    const sessionId = JSON.parse(events.find((event) => event.event === 'session')!.data).session_id as string;
    const session = await call(served, workspace.adminSecret, 'GET', `${base}/sessions/${sessionId}`);
    const messages = ((await session.json()) as { messages: Array<{ role: string; status: string; content: string }> }).messages;
    expect(messages.map((message) => [message.role, message.status])).toEqual([
      ['user', 'complete'],
      ['assistant', 'complete'],
    ]);
    expect(messages[1]!.content).toBe('Refunds take thirty days [1].');
    const followUp = await call(served, key, 'POST', `${base}/chat`, { message: 'And exchanges?', session_id: sessionId });
    expect(followUp.status).toBe(401);
  });

  it('answers every request clearly when its workspace is deleted mid-flight, and leaves nothing behind', async () => {
    const offline = await serve(database);
    try {
      const workspace = await createWorkspaceWithKey(database);
      const workspaceId = workspace.context.workspaceId;
      const base = `/workspaces/${workspaceId}`;
      const key = workspace.adminSecret;
      const slug = ((await (await call(offline, key, 'GET', base)).json()) as { slug: string }).slug;
      for (let index = 0; index < 3; index += 1) {
        const seeded = await call(offline, key, 'POST', `${base}/documents`, { source: `seed-${index}.md`, content: `# Seed ${index}\n\nAcme ships anvils to Globex on Tuesdays.` });
        expect(seeded.status).toBe(201);
      }

      const codes: string[] = [];
      const serverErrors: string[] = [];
      let gone = false;
      const served: number[] = [];
      /** Runs one kind of request until the workspace is gone and the key fails; returns how many it sent. */
      const lane = async (request: (index: number) => Promise<Response>) => {
        const laneNumber = served.push(0) - 1;
        for (let index = 0; index < 400; index += 1) {
          const response = await request(index);
          // A server error is kept whole, to say what failed.
          if (response.status >= 500) serverErrors.push(`${response.status} ${await response.text()}`);
          else if (response.status >= 400) codes.push(await expectErrorShape(response));
          else await response.arrayBuffer();
          if (response.status < 300) served[laneNumber]! += 1;
          if (gone && response.status === 401) return index + 1;
        }
        throw new Error('a lane never saw the workspace go');
      };
      const paragraph = 'Globex orders anvils from Acme every week; the invoices are paid within thirty days. ';
      const lanes = [
        lane(() => call(offline, key, 'POST', `${base}/search`, { query: 'anvils Globex', mode: 'hybrid' })),
        lane(() => call(offline, key, 'POST', `${base}/search`, { query: 'Acme', mode: 'graph' })),
        lane((index) => call(offline, key, 'POST', `${base}/documents`, { source: `live-${index}.md`, content: `# Live ${index}\n\n${paragraph.repeat(30)}` })),
        lane((index) => call(offline, key, 'POST', `${base}/documents?async=true`, { source: `job-${index}.md`, content: `# Job ${index}\n\n${paragraph.repeat(30)}` })),
        lane(() => call(offline, key, 'POST', `${base}/chat`, { message: 'Who ships anvils?' })),
      ];
      // Delete once every lane is in full swing.
      while (served.some((count) => count < 2)) await sleep(20);
      const deleted = await call(offline, key, 'DELETE', `${base}?confirm=${slug}`);
      gone = true;
      const deletionLog = offline.api.logLines.filter((line) => line.includes(String(deleted.headers.get('x-request-id'))) && line.includes('"level":50'));
      expect(deleted.status, deletionLog.join('\n').slice(0, 2000)).toBe(204);
      await Promise.all(lanes);

      // Clear answers only: served, unauthorised once the key went with the workspace, not found,
      // or a conflict for writes that lost the race; never a server error.
      expect(serverErrors).toEqual([]);
      expect([...new Set(codes)].filter((code) => !['unauthorized', 'not_found', 'conflict'].includes(code))).toEqual([]);
      // Background jobs that were running finish (or find their workspace gone) before the check.
      await offline.api.app.close();
      expect(await rowsLeftBehind(database, workspaceId)).toEqual({});
    } finally {
      await offline.api.app.close();
    }
  });
});
