// Each bad input an attacker's run found answering 500 (issue 12) is a 4xx with a code now, and
// changes nothing: the database holds exactly what it held before the request.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchBodySchema } from '../../src/api/schemas/documents.ts';
import { maximumSearchLimit, searchRequestSchema } from '../../src/search/search-request.ts';
import { maximumJsonDepth } from '../../src/well-formed-text.ts';
import { databaseSnapshot } from '../helpers/tenant-state.ts';
import { adminKey, bearer, createOrganizationKey, createTestApi, createWorkspaceWithKey, multipart, type TestApi, type TestWorkspace } from './helpers.ts';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

describe('bad input', () => {
  let api: TestApi;
  let workspace: TestWorkspace;
  let admin: Record<string, string>;
  let base: string;
  let organizationId: string;
  let organizationKey: string;

  beforeAll(async () => {
    api = await createTestApi();
    workspace = await createWorkspaceWithKey(api.database);
    admin = bearer(workspace.adminSecret);
    base = `/workspaces/${workspace.context.workspaceId}`;
    organizationId = workspace.context.organizationId;
    organizationKey = await createOrganizationKey(api.database, organizationId);
    const seeded = await api.app.inject({
      method: 'POST',
      url: `${base}/documents`,
      headers: admin,
      payload: { source: 'handbook.md', content: '# Handbook\n\nRefunds take five days.', metadata: { team: 'support' } },
    });
    expect(seeded.statusCode).toBe(201);
  });
  afterAll(() => api.close());

  // Usage rows of earlier requests are written in the background: written first, so only this request's changes count.
  const snapshot = async () => {
    await api.app.metering.usage?.flush();
    return databaseSnapshot(api.database, [workspace.context.workspaceId]);
  };

  /** Sends a request (a JSON body as text, so escapes such as \udfff arrive as sent) and returns status and body. */
  async function send(method: Method, url: string, body?: unknown, headers: Record<string, string> = admin) {
    const payload = body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    const response = await api.app.inject({
      method,
      url,
      headers: { ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      payload,
    });
    return { status: response.statusCode, body: response.json() as { error?: { code: string; message: string; details?: unknown } } };
  }

  /** Asserts a refusal with `status` and `code` in the error shape, and that the database did not change. */
  async function expectRefused(status: number, code: string, request: () => Promise<{ status: number; body: { error?: { code: string } } }>) {
    const before = await snapshot();
    const response = await request();
    expect(response.status, JSON.stringify(response.body)).toBe(status);
    expect(response.body.error?.code).toBe(code);
    expect(await snapshot()).toEqual(before);
  }

  describe('pagination cursors', () => {
    const impossible = (createdAt: string) => Buffer.from(JSON.stringify([createdAt, '00000000-0000-4000-8000-000000000000'])).toString('base64url');

    it('refuses an impossible date inside a cursor on all seven list endpoints with 400', async () => {
      const lists = [
        ['/organizations', adminKey],
        [`/organizations/${organizationId}/workspaces`, organizationKey],
        [`/organizations/${organizationId}/api-keys`, organizationKey],
        [`${base}/agents`, workspace.adminSecret],
        [`${base}/api-keys`, workspace.adminSecret],
        [`${base}/documents`, workspace.adminSecret],
        [`${base}/sessions`, workspace.adminSecret],
      ] as const;
      for (const [list, key] of lists) {
        for (const createdAt of ['2024-02-30T10:00:00.000000Z', '2024-01-01T25:00:00.000000Z', '0000-01-01T00:00:00.000000Z', '2023-13-01T00:00:00.000000Z']) {
          const response = await send('GET', `${list}?cursor=${impossible(createdAt)}`, undefined, bearer(key));
          expect(response.status, `${list} ${createdAt}`).toBe(400);
          expect(response.body.error).toMatchObject({ code: 'validation_error', details: [{ path: 'cursor' }] });
        }
      }
    });
  });

  describe('NUL and unpaired surrogates', () => {
    // Every text field of every body named in the issue, with a NUL and with a lone low surrogate.
    const textFields: Array<[Method, (base: string, organization: string) => string, (bad: string) => unknown]> = [
      ['POST', () => '/organizations', (bad) => ({ name: `Acme${bad}` })],
      ['PATCH', (_base, organization) => `/organizations/${organization}`, (bad) => ({ name: `Acme${bad}` })],
      ['POST', (_base, organization) => `/organizations/${organization}/workspaces`, (bad) => ({ name: `Support${bad}` })],
      ['POST', (_base, organization) => `/organizations/${organization}/api-keys`, (bad) => ({ name: `key${bad}` })],
      ['PATCH', (base) => base, (bad) => ({ name: `Support${bad}` })],
      ['PATCH', (base) => base, (bad) => ({ settings: { tone: `dry${bad}` } })],
      ['PATCH', (base) => base, (bad) => ({ settings: { [`to${bad}ne`]: 'dry' } })],
      ['POST', (base) => `${base}/agents`, (bad) => ({ name: `Helper${bad}` })],
      ['POST', (base) => `${base}/agents`, (bad) => ({ name: 'Helper', systemPrompt: `Be kind${bad}` })],
      ['POST', (base) => `${base}/agents`, (bad) => ({ name: 'Helper', model: `gpt${bad}` })],
      ['POST', (base) => `${base}/api-keys`, (bad) => ({ name: `key${bad}` })],
      ['POST', (base) => `${base}/documents`, (bad) => ({ source: 'a.md', title: `Title${bad}`, content: 'Some text here.' })],
      ['POST', (base) => `${base}/documents`, (bad) => ({ source: `a${bad}.md`, content: 'Some text here.' })],
      ['POST', (base) => `${base}/documents`, (bad) => ({ source: 'a.md', content: `Some${bad} text here.` })],
      ['POST', (base) => `${base}/documents`, (bad) => ({ source: 'a.md', content: 'Some text here.', metadata: { note: `x${bad}` } })],
      ['POST', (base) => `${base}/documents`, (bad) => ({ source: 'a.md', content: 'Some text here.', metadata: { deep: [{ note: `x${bad}` }] } })],
      ['POST', (base) => `${base}/search`, (bad) => ({ query: `refunds${bad}` })],
      ['POST', (base) => `${base}/search`, (bad) => ({ query: 'refunds', filters: { metadata: { team: `support${bad}` } } })],
      ['POST', (base) => `${base}/chat`, (bad) => ({ message: `How long do refunds take?${bad}` })],
      ['POST', (base) => `${base}/chat`, (bad) => ({ message: 'How long do refunds take?', agent_id: `default${bad}` })],
    ];

    for (const [label, bad] of [
      ['a NUL', '\u0000'],
      ['a lone surrogate', '\udfff'],
    ] as const) {
      it(`refuses ${label} in any text field of a JSON body with 400 naming the field, and stores nothing`, async () => {
        for (const [method, url, body] of textFields) {
          await expectRefused(400, 'validation_error', () => send(method, url(base, organizationId), body(bad), bearer(adminKey)));
        }
      });
    }

    it('refuses them in path ids and query parameters', async () => {
      await expectRefused(400, 'validation_error', () => send('GET', `${base}/agents/a%00b`));
      await expectRefused(400, 'validation_error', () => send('DELETE', `${base}/agents/a%00b`));
      await expectRefused(400, 'validation_error', () => send('DELETE', `${base}/api-keys/rsk%00x`));
      await expectRefused(400, 'validation_error', () => send('GET', `${base}/documents?cursor=a%00b`));
      await expectRefused(400, 'validation_error', () => send('DELETE', `${base}?confirm=a%00b`));
      const response = await send('GET', `${base}/agents/a%00b`);
      expect(response.body.error?.message).toMatch(/params\.agentId: contains a NUL character/);
    });

    it('refuses them in multipart text fields and file names', async () => {
      const file = { name: 'notes.md', type: 'text/markdown', content: '# Notes\n\nSome text here.' };
      const fieldSets: Array<Record<string, string>> = [{ metadata: '{"note":"x\\u0000"}' }, { metadata: '{"note":"x\\udfff"}' }, { title: 'T\u0000' }];
      for (const fields of fieldSets) {
        const form = multipart(fields, file);
        await expectRefused(400, 'validation_error', async () => {
          const response = await api.app.inject({ method: 'POST', url: `${base}/documents`, headers: { ...admin, ...form.headers }, payload: form.payload });
          return { status: response.statusCode, body: response.json() };
        });
      }
      const badName = multipart({}, { ...file, name: 'no\u0000tes.md' });
      await expectRefused(400, 'validation_error', async () => {
        const response = await api.app.inject({ method: 'POST', url: `${base}/documents`, headers: { ...admin, ...badName.headers }, payload: badName.payload });
        return { status: response.statusCode, body: response.json() };
      });
    });

    it('refuses a body that is not UTF-8', async () => {
      const latin1 = Buffer.concat([Buffer.from('{"name":"Caf'), Buffer.from([0xe9]), Buffer.from('"}')]);
      await expectRefused(400, 'validation_error', () => send('POST', '/organizations', latin1, bearer(adminKey)));
    });
  });

  describe('deep nesting', () => {
    it(`refuses JSON nested deeper than ${maximumJsonDepth} levels, up to 100,000, with 400`, async () => {
      for (const depth of [maximumJsonDepth + 1, 5_000, 100_000]) {
        const metadata = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
        const body = `{"source":"deep.md","content":"Some text here.","metadata":${metadata}}`;
        await expectRefused(400, 'validation_error', () => send('POST', `${base}/documents`, body));
        const arrays = `{"query":"refunds","filters":${'['.repeat(depth)}${']'.repeat(depth)}}`;
        await expectRefused(400, 'validation_error', () => send('POST', `${base}/search`, arrays));
      }
      const fine = `${'{"a":'.repeat(maximumJsonDepth - 2)}1${'}'.repeat(maximumJsonDepth - 2)}`;
      const accepted = await send('POST', `${base}/documents`, `{"source":"nested.md","content":"Nested metadata is fine.","metadata":${fine}}`);
      expect(accepted.status).toBe(201);
    });

    it('refuses HTML nested 20,000 levels deep with 422, inline or uploaded', async () => {
      const html = `<html><body>${'<div>'.repeat(20_000)}Deep text${'</div>'.repeat(20_000)}</body></html>`;
      await expectRefused(422, 'unprocessable_entity', () => send('POST', `${base}/documents`, { source: 'deep.html', content: html }));
      const form = multipart({}, { name: 'deep.html', type: 'text/html', content: html });
      await expectRefused(422, 'unprocessable_entity', async () => {
        const response = await api.app.inject({ method: 'POST', url: `${base}/documents`, headers: { ...admin, ...form.headers }, payload: form.payload });
        return { status: response.statusCode, body: response.json() };
      });
    });
  });

  describe('malformed multipart bodies', () => {
    const part = '--abc\r\nContent-Disposition: form-data; name="file"; filename="a.md"\r\nContent-Type: text/markdown\r\n\r\n# A\n\nText';
    for (const [label, contentType, payload] of [
      ['without a boundary', 'multipart/form-data', `${part}\r\n--abc--\r\n`],
      ['with a boundary the body does not use', 'multipart/form-data; boundary=xyz', `${part}\r\n--abc--\r\n`],
      ['truncated before its closing boundary', 'multipart/form-data; boundary=abc', part],
      ['empty', 'multipart/form-data; boundary=abc', ''],
    ] as const) {
      it(`refuses a multipart body ${label} with 400`, async () => {
        await expectRefused(400, 'validation_error', async () => {
          const response = await api.app.inject({ method: 'POST', url: `${base}/documents`, headers: { ...admin, 'content-type': contentType }, payload });
          return { status: response.statusCode, body: response.json() };
        });
      });
    }
  });

  describe('chat', () => {
    it('refuses a lone surrogate in a message before any session is created', async () => {
      await expectRefused(400, 'validation_error', () => send('POST', `${base}/chat`, { message: 'Refunds \udfff?' }));
      const sessions = await send('GET', `${base}/sessions`);
      expect((sessions.body as unknown as { items: unknown[] }).items).toEqual([]);
    });

    it('answers messages of 2,001 to 20,000 characters, which the schema allows', async () => {
      for (const length of [2_001, 20_000]) {
        const filler = 'Please read this long preamble about our account and our order history. ';
        const question = ' How long do refunds take?';
        const message = (filler.repeat(Math.ceil(length / filler.length)).slice(0, length - question.length) + question).slice(0, length);
        expect(message).toHaveLength(length);
        const response = await send('POST', `${base}/chat`, { message });
        expect(response.status, JSON.stringify(response.body)).toBe(200);
        expect((response.body as unknown as { message: string }).message).toMatch(/five days/);
      }
      const tooLong = await send('POST', `${base}/chat`, { message: 'x'.repeat(20_001) });
      expect(tooLong.status).toBe(400);
    });
  });

  describe('framework errors in the error shape', () => {
    it('reads a 150-character path id (the schema allows 200) and refuses longer ones in the shape', async () => {
      const notFound = await send('GET', `${base}/agents/${'a'.repeat(150)}`);
      expect(notFound.status).toBe(404);
      expect(notFound.body.error?.code).toBe('not_found');
      const tooLongForSchema = await send('GET', `${base}/agents/${'a'.repeat(201)}`);
      expect(tooLongForSchema.status).toBe(400);
      expect(tooLongForSchema.body.error?.code).toBe('validation_error');
      const tooLongForRouter = await send('GET', `${base}/agents/${'a'.repeat(5_000)}`);
      expect(tooLongForRouter.status).toBe(414);
      expect(tooLongForRouter.body).toEqual({ error: { code: 'uri_too_long', message: expect.any(String) } });
    });

    it('answers a percent-escape that is not UTF-8 with 400 in the shape', async () => {
      for (const path of [`${base}/agents/%zz`, `${base}/agents/%ff`, `${base}/agents/%ed%bf%bf`]) {
        const response = await send('GET', path);
        expect(response.status).toBe(400);
        expect(response.body).toEqual({ error: { code: 'validation_error', message: expect.any(String) } });
      }
    });
  });

  describe('hygiene', () => {
    it('marks responses no-store, the ones carrying a new secret above all', async () => {
      const created = await api.app.inject({ method: 'POST', url: `${base}/api-keys`, headers: admin, payload: { scopes: ['search'] } });
      expect(created.statusCode).toBe(201);
      expect(created.headers['cache-control']).toBe('no-store');
      const organizationKeyResponse = await api.app.inject({
        method: 'POST',
        url: `/organizations/${organizationId}/api-keys`,
        headers: bearer(adminKey),
        payload: {},
      });
      expect(organizationKeyResponse.headers['cache-control']).toBe('no-store');
      expect((await api.app.inject({ method: 'GET', url: `${base}/documents`, headers: admin })).headers['cache-control']).toBe('no-store');
      expect((await api.app.inject({ method: 'GET', url: '/health' })).headers['cache-control']).toBeUndefined();
    });

    it('does not write a key sent as ?api_key= to the log', async () => {
      const secret = workspace.adminSecret;
      const response = await api.app.inject({ method: 'GET', url: `${base}/agents?limit=5&api_key=${secret}&token=hunter2` });
      expect(response.statusCode).toBe(401);
      // The 43 secret characters after "<kind>_<public id>_"; base64url may itself contain '_'.
      const secretPart = secret.split('_').slice(2).join('_');
      expect(secretPart).toHaveLength(43);
      const lines = api.logLines.filter((line) => line.includes('/agents?limit=5'));
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.join('\n')).not.toContain(secretPart);
      expect(lines.join('\n')).not.toContain('hunter2');
      expect(lines.join('\n')).toContain('api_key=[redacted]');
    });

    it('caps workspace settings and document metadata at 16 KB counted in UTF-8 bytes', async () => {
      // 6,000 euro signs: 6,000 characters but 18,000 bytes.
      const euros = '€'.repeat(6_000);
      await expectRefused(400, 'validation_error', () => send('PATCH', base, { settings: { note: euros } }));
      await expectRefused(400, 'validation_error', () => send('PATCH', base, { settings: { blob: 'x'.repeat(5 * 1024 * 1024) } }));
      await expectRefused(400, 'validation_error', () => send('POST', `${base}/documents`, { source: 'e.md', content: 'Euro text.', metadata: { note: euros } }));
      const fits = await send('PATCH', base, { settings: { note: '€'.repeat(5_000) } });
      expect(fits.status).toBe(200);
    });
  });

  describe('inline documents', () => {
    it('reads inline text whose source has no extension as plain text, or Markdown when it looks like it', async () => {
      const cases = [
        ['kb-1042', 'Refund requests are answered within two working days.', 'text/plain'],
        ['https://example.com/help/refunds', '# Refunds\n\nRefunds take five days.\n\n- Card: five days\n- Transfer: two days', 'text/markdown'],
        ['https://example.com', '<!DOCTYPE html><html><head><title>Home</title></head><body><p>Welcome home.</p></body></html>', 'text/html'],
        ['https://example.com/faq.md?download=1', 'Plain words in a Markdown file.', 'text/markdown'],
      ] as const;
      for (const [source, content, contentType] of cases) {
        const response = await send('POST', `${base}/documents`, { source, content });
        expect(response.status, `${source}: ${JSON.stringify(response.body)}`).toBe(201);
        expect((response.body as unknown as { document: { contentType: string } }).document.contentType).toBe(contentType);
      }
      await expectRefused(415, 'unsupported_media_type', () => send('POST', `${base}/documents`, { source: 'archive.zip', content: 'a,b' }));
    });
  });

  describe('one schema per request shape', () => {
    it('gives the search route the search service\'s own request schema, limit included', async () => {
      expect(searchBodySchema.shape.limit).toBe(searchRequestSchema.shape.limit);
      expect(searchBodySchema.shape.query).toBe(searchRequestSchema.shape.query);
      expect(searchBodySchema.shape.filters).toBe(searchRequestSchema.shape.filters);
      expect((await send('POST', `${base}/search`, { query: 'refunds', limit: maximumSearchLimit })).status).toBe(200);
      expect((await send('POST', `${base}/search`, { query: 'refunds', limit: maximumSearchLimit + 1 })).status).toBe(400);
    });
  });
});

/** A raw TCP client: what it sent, and everything the server answered until it closed the connection. */
function rawConnection(port: number) {
  const socket: Socket = connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (data) => (received += data.toString('utf8')));
  socket.on('error', () => undefined);
  const closed = new Promise<string>((resolve) => socket.on('close', () => resolve(received)));
  const connected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, closed, connected };
}

/** The status and JSON body of a raw HTTP/1.1 response. */
function parseRawResponse(raw: string): { status: number; body: unknown } {
  const [head = '', body = ''] = raw.split('\r\n\r\n');
  return { status: Number(head.split(' ')[1]), body: body ? JSON.parse(body) : undefined };
}

describe('requests Node\'s HTTP server refuses before any route', () => {
  let api: TestApi;
  let port: number;

  beforeAll(async () => {
    api = await createTestApi({ environment: { RAGSPACE_REQUEST_TIMEOUT_MS: '2000', RAGSPACE_HEADERS_TIMEOUT_MS: '1000' } });
    const address = await api.app.listen({ port: 0, host: '127.0.0.1' });
    port = Number(new URL(address).port);
  });
  afterAll(() => api.close());

  it('answers oversized headers with 431 and an unreadable request with 400, in the error shape', async () => {
    const oversized = rawConnection(port);
    oversized.socket.write(`GET /health HTTP/1.1\r\nHost: x\r\nX-Padding: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
    expect(parseRawResponse(await oversized.closed)).toEqual({ status: 431, body: { error: { code: 'headers_too_large', message: expect.any(String) } } });

    const garbage = rawConnection(port);
    garbage.socket.write('THIS IS NOT HTTP\r\n\r\n');
    expect(parseRawResponse(await garbage.closed)).toEqual({ status: 400, body: { error: { code: 'bad_request', message: expect.any(String) } } });

    const nulInHeader = rawConnection(port);
    nulInHeader.socket.write('GET /health HTTP/1.1\r\nHost: x\r\nX-Api-Key: a\u0000b\r\n\r\n');
    expect(parseRawResponse(await nulInHeader.closed).status).toBe(400);
  });

  it('cuts off a body trickled one byte at a time with 408, long before the trickle ends', async () => {
    const trickle = rawConnection(port);
    await trickle.connected;
    const bodyLength = 200;
    trickle.socket.write(
      `POST /organizations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${adminKey}\r\nContent-Type: application/json\r\nContent-Length: ${bodyLength}\r\n\r\n`,
    );
    let sent = 0;
    // 200 bytes at one per 300 ms would take a minute; the request timeout is 2 s.
    const timer = setInterval(() => {
      if (sent < bodyLength - 1 && !trickle.socket.destroyed) {
        trickle.socket.write(' ');
        sent += 1;
      }
    }, 300);
    const raw = await trickle.closed;
    clearInterval(timer);
    expect(sent).toBeLessThan(bodyLength - 1);
    expect(parseRawResponse(raw)).toEqual({ status: 408, body: { error: { code: 'request_timeout', message: expect.any(String) } } });
  }, 120_000);

  it('refuses connections beyond the configured cap', async () => {
    const capped = await createTestApi({ environment: { RAGSPACE_MAX_CONNECTIONS: '2', RAGSPACE_HEADERS_TIMEOUT_MS: '60000' } });
    try {
      const cappedPort = Number(new URL(await capped.app.listen({ port: 0, host: '127.0.0.1' })).port);
      const first = rawConnection(cappedPort);
      const second = rawConnection(cappedPort);
      await Promise.all([first.connected, second.connected]);
      const third = rawConnection(cappedPort);
      expect(await third.closed).toBe('');
      first.socket.write('GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      expect(parseRawResponse(await first.closed)).toEqual({ status: 200, body: { status: 'ok' } });
      second.socket.destroy();
    } finally {
      await capped.close();
    }
  });
});
