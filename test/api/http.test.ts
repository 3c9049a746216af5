// A representative set through a real listening server and a real HTTP client (fetch): the
// management flow, framework-level errors (413, 415, 500, 503), headers, CORS, docs, and a
// graceful shutdown that finishes the request in flight.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { access } from '../../src/api/access.ts';
import { buildApp } from '../../src/api/app.ts';
import type { RouteModule } from '../../src/api/route-module.ts';
import type { Database } from '../../src/db/database.ts';
import { adminKey, createTestApi, type TestApi } from './helpers.ts';

const bodyLimitBytes = 4096;
const allowedOrigin = 'https://app.example';

/** Response bodies are whatever the server sent; the assertions check their shape. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const readJson = async (response: Response): Promise<any> => response.json();

function gate() {
  let open!: () => void;
  let entered!: () => void;
  const released = new Promise<void>((resolve) => (open = resolve));
  const reached = new Promise<void>((resolve) => (entered = resolve));
  return { released, reached, open, entered };
}

describe('over HTTP', () => {
  let api: TestApi;
  let baseUrl: string;
  const slowRequest = gate();

  // Test-only routes, registered the way extra route files are: one fails, one waits.
  const testRoutes: RouteModule = async (app) => {
    app.get('/test/failure', { config: { access: access.platformAdmin() } }, async () => {
      throw new Error('database exploded: secret connection string postgres://u:p@h/db');
    });
    app.get('/test/slow', { config: { access: access.public() } }, async () => {
      slowRequest.entered();
      await slowRequest.released;
      return { finished: true };
    });
  };

  beforeAll(async () => {
    api = await createTestApi({
      extraRoutes: [testRoutes],
      environment: { RAGSPACE_BODY_LIMIT_BYTES: String(bodyLimitBytes), RAGSPACE_CORS_ORIGINS: allowedOrigin },
    });
    baseUrl = await api.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => api.close());

  const call = (method: string, path: string, key?: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('runs the management flow: organization, workspace, key, and the key confined to its workspace', async () => {
    expect(await (await call('GET', '/health')).json()).toEqual({ status: 'ok' });
    expect((await call('GET', '/ready')).status).toBe(200);

    const organization = await readJson(await call('POST', '/organizations', adminKey, { name: 'Over the wire' }));
    const workspaceResponse = await call('POST', `/organizations/${organization.id}/workspaces`, adminKey, { name: 'Wire' });
    expect(workspaceResponse.status).toBe(201);
    const workspace = await readJson(workspaceResponse);
    const other = await readJson(await call('POST', `/organizations/${organization.id}/workspaces`, adminKey, { name: 'Other' }));

    const keyResponse = await call('POST', `/workspaces/${workspace.id}/api-keys`, adminKey, { scopes: ['chat'] });
    expect(keyResponse.status).toBe(201);
    const { secret } = await readJson(keyResponse);

    const agents = await call('GET', `/workspaces/${workspace.id}/agents`, secret);
    expect(agents.status).toBe(200);
    expect((await readJson(agents)).items[0].slug).toBe('default');

    const mismatch = await call('GET', `/workspaces/${other.id}/agents`, secret);
    expect(mismatch.status).toBe(403);
    expect((await readJson(mismatch)).error.code).toBe('workspace_mismatch');
    expect((await call('GET', `/workspaces/${workspace.id}/agents`)).status).toBe(401);
    const conflict = await call('POST', `/organizations/${organization.id}/workspaces`, adminKey, { name: 'Wire' });
    expect(conflict.status).toBe(409);
  });

  it('answers 404 in the error shape for unknown routes', async () => {
    const response = await call('GET', '/no/such/route');
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'route_not_found', message: 'No route GET /no/such/route' } });
  });

  it('answers 413 for a body over the limit and 415 for a body that is not JSON', async () => {
    const tooLarge = await call('POST', '/organizations', adminKey, { name: 'x'.repeat(bodyLimitBytes * 2) });
    expect(tooLarge.status).toBe(413);
    expect((await readJson(tooLarge)).error).toMatchObject({ code: 'payload_too_large', details: { limitBytes: bodyLimitBytes } });

    const wrongType = await call('POST', '/organizations', adminKey, 'name=Acme', { 'content-type': 'text/plain' });
    expect(wrongType.status).toBe(415);
    expect((await readJson(wrongType)).error.code).toBe('unsupported_media_type');

    const brokenJson = await call('POST', '/organizations', adminKey, '{"name": ');
    expect(brokenJson.status).toBe(400);
    expect((await readJson(brokenJson)).error.code).toBe('validation_error');
  });

  it('answers a 500 with the request id and no internals, and logs the stack under that id', async () => {
    const response = await call('GET', '/test/failure', adminKey, undefined, { 'x-request-id': 'failing-request-1' });
    expect(response.status).toBe(500);
    const body = await response.json();
    expect(body).toEqual({
      error: { code: 'internal_error', message: expect.stringContaining('failing-request-1'), details: { requestId: 'failing-request-1' } },
    });
    expect(JSON.stringify(body)).not.toMatch(/exploded|postgres:|at .*\.ts/);
    expect(response.headers.get('x-request-id')).toBe('failing-request-1');
    const logLine = api.logLines.find((line) => line.includes('database exploded'));
    expect(logLine).toBeDefined();
    expect(JSON.parse(logLine!)).toMatchObject({ reqId: 'failing-request-1', err: { stack: expect.stringContaining('Error') } });
  });

  it('answers 503 from /ready when the database does not answer', async () => {
    const unreachable: Database = {
      ...api.database,
      query: async () => {
        throw new Error('connection refused');
      },
    };
    const app = await buildApp({ ...api.runtime, database: unreachable }, { rateLimit: false });
    try {
      const response = await app.inject({ method: 'GET', url: '/ready' });
      expect(response.statusCode).toBe(503);
      expect(response.json().error.code).toBe('not_ready');
      expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('sends security headers and request ids on every response', async () => {
    const response = await call('GET', '/health');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('strict-transport-security')).toContain('max-age');
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const refused = await call('GET', '/organizations', undefined, undefined, { origin: allowedOrigin });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('x-content-type-options')).toBe('nosniff');
    expect(refused.headers.get('access-control-allow-origin')).toBe(allowedOrigin);
    const unsafe = await call('GET', '/health', undefined, undefined, { 'x-request-id': 'bad id with spaces and a quote "' });
    expect(unsafe.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('allows CORS only for the configured origins, and not at all by default', async () => {
    const preflight = await call('OPTIONS', '/organizations', undefined, undefined, {
      origin: allowedOrigin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization,content-type',
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(allowedOrigin);
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');

    const foreign = await call('GET', '/health', undefined, undefined, { origin: 'https://evil.example' });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();

    const withoutCors: FastifyInstance = await buildApp({ ...api.runtime, config: { ...api.runtime.config, corsOrigins: [] } });
    try {
      const response = await withoutCors.inject({ method: 'GET', url: '/health', headers: { origin: allowedOrigin } });
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await withoutCors.close();
    }
  });

  it('serves the OpenAPI document and the docs page', async () => {
    const spec = await readJson(await call('GET', '/openapi.json'));
    expect(spec.openapi).toBe('3.1.0');
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(['/organizations', '/workspaces/{id}', '/workspaces/{id}/agents/{agentId}', '/workspaces/{id}/api-keys']),
    );
    expect(spec.paths['/workspaces/{id}/api-keys'].post.security).toEqual([{ bearerAuth: [] }, { apiKeyHeader: [] }]);
    expect(spec.components.schemas.Error).toBeDefined();
    expect(Object.keys(spec.paths['/workspaces/{id}/documents'].post.requestBody.content)).toEqual(['application/json', 'multipart/form-data']);
    const docs = await call('GET', '/docs');
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-type')).toContain('text/html');
  });

  // Last: it closes the server.
  it('finishes the request in flight on shutdown and then stops listening', async () => {
    const inFlight = fetch(`${baseUrl}/test/slow`);
    await slowRequest.reached;
    const closed = api.app.close();
    slowRequest.open();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ finished: true });
    await closed;
    await expect(fetch(`${baseUrl}/health`)).rejects.toThrow();
  });
});
