// The robustness suite: every route of the OpenAPI document, every path parameter, query parameter
// and body field, sent empty, huge, with broken Unicode, injection strings (SQL, Cypher, prompt),
// invalid and foreign ids, wrong types, deep nesting, wrong content types, oversized and malformed
// bodies and files, and without or with the wrong key. It prints how many requests it sent and the
// status histogram, and fails on any 5xx, and on any refused request (4xx) that changed the database.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseSnapshot } from '../helpers/tenant-state.ts';
import {
  adminKey,
  bearer,
  createOrganizationKey,
  createTestApi,
  createWorkspaceWithKey,
  multipart,
  type TestApi,
  type TestWorkspace,
} from '../api/helpers.ts';
import { createApiKey } from '../../src/tenancy/api-keys.ts';
import { createOrganizationApiKey } from '../../src/tenancy/organization-keys.ts';
import { keyPepper } from '../api/helpers.ts';
import {
  badJsonValues,
  badUrlValues,
  bodyFieldPaths,
  operationsOf,
  plausibleValue,
  withField,
  type JsonSchema,
  type OpenApiOperation,
} from './request-generator.ts';

const bodyLimitBytes = 256 * 1024;

interface FuzzRequest {
  label: string;
  method: OpenApiOperation['method'];
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
}

describe('robustness: bad input on every route', () => {
  let api: TestApi;
  let workspace: TestWorkspace;
  let other: TestWorkspace;
  let searchOnlyKey: string;
  const pathValues: Record<string, string> = {};

  beforeAll(async () => {
    api = await createTestApi({ environment: { RAGSPACE_BODY_LIMIT_BYTES: String(bodyLimitBytes) } });
    workspace = await createWorkspaceWithKey(api.database);
    other = await createWorkspaceWithKey(api.database);
    searchOnlyKey = await workspace.keyFor(['search']);
    const admin = bearer(workspace.adminSecret);
    const base = `/workspaces/${workspace.context.workspaceId}`;
    const document = await api.app.inject({
      method: 'POST',
      url: `${base}/documents`,
      headers: admin,
      payload: { source: 'refunds.md', content: '# Refunds\n\nRefunds take five days to reach the card they were paid with.' },
    });
    const chat = await api.app.inject({ method: 'POST', url: `${base}/chat`, headers: admin, payload: { message: 'How long do refunds take?' } });
    const agent = await api.app.inject({ method: 'POST', url: `${base}/agents`, headers: admin, payload: { name: 'Fuzz target', slug: 'fuzz-target' } });
    expect([document.statusCode, chat.statusCode, agent.statusCode]).toEqual([201, 200, 201]);
    // Keys named in paths are spares: a mutation that still revokes one must not lock the suite out.
    const spareKey = await createApiKey(api.database, keyPepper, workspace.context, { name: 'spare' });
    await createOrganizationKey(api.database, workspace.context.organizationId);
    const spareOrganizationKey = await createOrganizationApiKey(api.database, keyPepper, workspace.context.organizationId, { name: 'spare' });
    Object.assign(pathValues, {
      organizationId: workspace.context.organizationId,
      workspaceId: workspace.context.workspaceId,
      agentId: 'fuzz-target',
      docId: document.json().document.id,
      sessionId: chat.json().session_id,
      workspaceKeyId: spareKey.apiKey.id,
      organizationKeyId: spareOrganizationKey.apiKey.id,
    });
  });
  afterAll(() => api.close());

  /** The value a path parameter takes in a plausible request. */
  function validPathValue(path: string, parameter: string): string {
    if (parameter === 'id') return path.startsWith('/organizations') ? pathValues.organizationId! : pathValues.workspaceId!;
    if (parameter === 'keyId') return path.startsWith('/organizations') ? pathValues.organizationKeyId! : pathValues.workspaceKeyId!;
    return pathValues[parameter] ?? randomUUID();
  }

  function buildUrl(operation: OpenApiOperation, overrides: Record<string, string> = {}, query = ''): string {
    const path = operation.path.replace(/\{(\w+)\}/g, (_match, name: string) => overrides[name] ?? validPathValue(operation.path, name));
    return query ? `${path}?${query}` : path;
  }

  function requestsFor(operation: OpenApiOperation, resolve: (reference: string) => JsonSchema): FuzzRequest[] {
    const requests: FuzzRequest[] = [];
    const json = { 'content-type': 'application/json' };
    const auth = bearer(adminKey);
    const plausibleBody = operation.jsonBody ? plausibleValue(operation.jsonBody, 'body', resolve) : undefined;
    const withBody = (body: unknown) => (body === undefined ? {} : { payload: JSON.stringify(body), headers: { ...auth, ...json } });
    const add = (label: string, request: Omit<FuzzRequest, 'label' | 'method'>) => requests.push({ label, method: operation.method, ...request });
    const plain = { url: buildUrl(operation), headers: auth, ...withBody(plausibleBody) };
    const otherWorkspaceId = other.context.workspaceId;

    add('plausible', plain);
    for (const parameter of operation.pathParameters) {
      for (const value of badUrlValues(otherWorkspaceId)) add(`path ${parameter}=${value.slice(0, 40)}`, { ...plain, url: buildUrl(operation, { [parameter]: value }) });
    }
    for (const { name } of operation.queryParameters) {
      for (const value of badUrlValues(otherWorkspaceId)) add(`query ${name}=${value.slice(0, 40)}`, { ...plain, url: buildUrl(operation, {}, `${name}=${value}`) });
      add(`query ${name} twice`, { ...plain, url: buildUrl(operation, {}, `${name}=1&${name}=2`) });
    }
    for (const value of ['a%00b', '%ff', 'a'.repeat(5_000)]) add(`unexpected query ${value.slice(0, 20)}`, { ...plain, url: buildUrl(operation, {}, `unexpected=${value}`) });
    if (operation.jsonBody) {
      for (const field of bodyFieldPaths(operation.jsonBody, resolve)) {
        for (const value of badJsonValues(otherWorkspaceId)) {
          add(`body ${field.join('.')}=${JSON.stringify(value)?.slice(0, 40)}`, { ...plain, ...withBody(withField(plausibleBody, field, value)) });
        }
      }
      add('body with an unknown field', { ...plain, ...withBody({ ...(plausibleBody as object), workspaceId: otherWorkspaceId }) });
      const rawBodies: Array<[string, string | Buffer]> = [
        ['empty', ''],
        ['null', 'null'],
        ['array', '[]'],
        ['string', '"x"'],
        ['number', '123'],
        ['truncated JSON', '{"name": '],
        ['byte-order mark', `\ufeff${JSON.stringify(plausibleBody)}`],
        ['Latin-1 bytes', Buffer.concat([Buffer.from('{"name":"Caf'), Buffer.from([0xe9]), Buffer.from('"}')])],
        ['5,000 levels deep', `{"a":${'['.repeat(5_000)}${']'.repeat(5_000)}}`],
        ['100,000 levels deep', `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`],
        ['over the body limit', JSON.stringify({ name: 'x'.repeat(bodyLimitBytes) })],
        ['duplicate keys', '{"name":"a","name":"b"}'],
      ];
      for (const [label, payload] of rawBodies) add(`raw body: ${label}`, { url: plain.url, headers: { ...auth, ...json }, payload });
    }
    if (operation.method !== 'GET' && operation.method !== 'DELETE') {
      const body = JSON.stringify(plausibleBody ?? {});
      for (const contentType of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data', 'application/json; charset=latin1', 'image/png']) {
        add(`content-type ${contentType}`, { url: plain.url, headers: { ...auth, 'content-type': contentType }, payload: body });
      }
    }
    for (const [label, headers] of [
      ['no key', {}],
      ['a malformed key', { authorization: 'Bearer \u00ff\u00fe' }],
      ['a basic credential', { authorization: 'Basic dXNlcjpwYXNz' }],
      ['a search-only key', bearer(searchOnlyKey)],
      ["another workspace's key", bearer(other.adminSecret)],
      ['a bad customer id', { ...auth, 'x-customer-id': 'a b\u00e9' }],
    ] as const) {
      add(`auth: ${label}`, { ...plain, headers: { ...plain.headers, ...headers, ...(label === 'no key' ? { authorization: '' } : {}) } });
    }
    return requests;
  }

  /** Multipart uploads: files too large, of the wrong type, broken, binary, or sent wrongly. */
  function uploadRequests(): FuzzRequest[] {
    const url = `/workspaces/${workspace.context.workspaceId}/documents`;
    const auth = bearer(adminKey);
    const forms: Array<[string, ReturnType<typeof multipart>]> = [
      ['a file over the limit', multipart({}, { name: 'big.md', type: 'text/markdown', content: 'x'.repeat(bodyLimitBytes + 1) })],
      ['an executable', multipart({}, { name: 'tool.exe', type: 'application/octet-stream', content: Buffer.from([0x4d, 0x5a, 0, 0, 1, 2]) })],
      ['a broken PDF', multipart({}, { name: 'broken.pdf', type: 'application/pdf', content: '%PDF-1.7 garbage' })],
      ['binary text', multipart({}, { name: 'nul.txt', type: 'text/plain', content: Buffer.from([104, 0, 105]) })],
      ['Latin-1 text', multipart({}, { name: 'latin.txt', type: 'text/plain', content: Buffer.from([0xe9, 0x74, 0xe9]) })],
      ['an empty file', multipart({}, { name: 'empty.md', type: 'text/markdown', content: '' })],
      ['no file', multipart({ source: 'x.md' })],
      ['a traversal file name', multipart({}, { name: '../../etc/passwd', type: 'text/plain', content: 'root:x:0:0' })],
      ['a file name with NUL', multipart({}, { name: 'a\u0000.md', type: 'text/markdown', content: '# A\n\nText.' })],
      ['bad metadata', multipart({ metadata: '[1,2]' }, { name: 'm.md', type: 'text/markdown', content: '# M\n\nText.' })],
      ['deep metadata', multipart({ metadata: `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}` }, { name: 'm.md', type: 'text/markdown', content: '# M\n\nText.' })],
      ['an unknown field', multipart({ workspaceId: other.context.workspaceId }, { name: 'm.md', type: 'text/markdown', content: '# M\n\nText.' })],
      ['a bad chunk size', multipart({ chunkSize: '-5' }, { name: 'm.md', type: 'text/markdown', content: '# M\n\nText.' })],
      ['deep HTML', multipart({}, { name: 'deep.html', type: 'text/html', content: `${'<div>'.repeat(20_000)}x${'</div>'.repeat(20_000)}` })],
    ];
    const requests: FuzzRequest[] = forms.map(([label, form]) => ({ label: `upload: ${label}`, method: 'POST', url, headers: { ...auth, ...form.headers }, payload: form.payload }));
    const valid = multipart({}, { name: 'ok.md', type: 'text/markdown', content: '# OK\n\nText.' });
    const boundary = valid.headers['content-type'].split('boundary=')[1]!;
    requests.push(
      { label: 'upload: truncated', method: 'POST', url, headers: { ...auth, ...valid.headers }, payload: valid.payload.subarray(0, valid.payload.length - 20) },
      { label: 'upload: no boundary', method: 'POST', url, headers: { ...auth, 'content-type': 'multipart/form-data' }, payload: valid.payload },
      { label: 'upload: wrong boundary', method: 'POST', url, headers: { ...auth, 'content-type': `multipart/form-data; boundary=${boundary}x` }, payload: valid.payload },
    );
    return requests;
  }

  const isMcpRoute = (url: string) => /^\/workspaces\/[^/?]+\/mcp(\?|$)/.test(url);

  it('answers every bad request with a 4xx (never a 5xx) and changes nothing when it refuses', async () => {
    const document = (api.app as unknown as { swagger(): Parameters<typeof operationsOf>[0] }).swagger();
    const resolve = (reference: string) => document.components!.schemas![reference.split('/').at(-1)!]!;
    // Destructive operations last, so the others still find what they act on.
    const operations = operationsOf(document).sort((first, second) => Number(first.method === 'DELETE') - Number(second.method === 'DELETE'));
    expect(operations.length).toBeGreaterThanOrEqual(30);
    const requests = [...operations.flatMap((operation) => requestsFor(operation, resolve)), ...uploadRequests()];

    const watched = [workspace.context.workspaceId, other.context.workspaceId];
    const started = Date.now();
    const histogram = new Map<number, number>();
    const serverErrors: string[] = [];
    const changedWhileRefusing: string[] = [];
    // Usage rows are written in the background: written before each look, so a change is the request's own.
    const snapshot = async () => {
      await api.app.metering.usage?.flush();
      return databaseSnapshot(api.database, watched);
    };
    let before = await snapshot();
    for (const request of requests) {
      const response = await api.app.inject({ method: request.method, url: request.url, headers: request.headers, payload: request.payload });
      histogram.set(response.statusCode, (histogram.get(response.statusCode) ?? 0) + 1);
      const where = `${request.method} ${request.url.slice(0, 120)} [${request.label}] → ${response.statusCode}`;
      if (response.statusCode >= 500) {
        // The log line of a 500 says what failed; the response only carries its request id.
        const requestId = String(response.headers['x-request-id']);
        const logged = api.logLines.find((line) => line.includes(requestId) && line.includes('"level":50'));
        serverErrors.push(`${where}: ${logged?.slice(0, 600) ?? response.body.slice(0, 300)}`);
      }
      if (response.statusCode >= 400) {
        const error = response.json() as { jsonrpc?: unknown; error?: { code?: unknown; message?: unknown } };
        // The MCP transport answers in JSON-RPC's own error shape (a numeric code), which MCP clients read.
        const codeType = isMcpRoute(request.url) && error.jsonrpc === '2.0' ? 'number' : 'string';
        if (typeof error.error?.code !== codeType || typeof error.error?.message !== 'string') serverErrors.push(`${where}: not in the error shape: ${response.body.slice(0, 200)}`);
      }
      // Reads cannot write; every other request is checked: refused means nothing changed.
      if (request.method === 'GET') continue;
      const after = await snapshot();
      if (response.statusCode >= 400 && JSON.stringify(after) !== JSON.stringify(before)) changedWhileRefusing.push(where);
      before = after;
    }

    const summary = [...histogram.entries()].sort(([first], [second]) => first - second).map(([status, count]) => `${status}: ${count}`);
    console.info(
      `robustness suite: ${requests.length} requests over ${operations.length} operations in ${Math.round((Date.now() - started) / 1000)} s; status histogram { ${summary.join(', ')} }`,
    );
    expect(serverErrors).toEqual([]);
    expect(changedWhileRefusing).toEqual([]);
    expect(requests.length).toBeGreaterThan(1_500);
  }, 1_800_000);
});
