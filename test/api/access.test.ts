// Authentication and tenant scoping: who may call what, and that a key never reaches another tenant.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { access } from '../../src/api/access.ts';
import { buildApp } from '../../src/api/app.ts';
import { workspaceContextOf } from '../../src/api/plugins/authentication.ts';
import type { RouteModule } from '../../src/api/route-module.ts';
import { createApiKey } from '../../src/tenancy/api-keys.ts';
import { ensureFirstPlatformKey, ensureFirstTenant } from '../../src/tenancy/bootstrap.ts';
import {
  adminKey,
  bearer,
  createOrganizationKey,
  createTestApi,
  createWorkspaceWithKey,
  keyPepper,
  operationsUnder,
  type Method,
  type TestApi,
  type TestWorkspace,
} from './helpers.ts';


/** A revoked or expired key fails in every process within a second (src/tenancy/credential-cache.ts). */
const revocationBoundMs = 1_000;

// An extra route file, as the chat engineer would add one: it echoes the context the route receives.
const contextEchoRoutes: RouteModule = async (app) => {
  app.get('/workspaces/:id/context-echo', {
    config: { access: access.workspace('search') },
    schema: { params: z.object({ id: z.uuid() }) },
    handler: async (request) => workspaceContextOf(request),
  });
};

describe('authentication and tenant scope', () => {
  let api: TestApi;
  let workspaceA: TestWorkspace;
  let workspaceB: TestWorkspace;
  let dataDirectory: string;

  beforeAll(async () => {
    api = await createTestApi({ extraRoutes: [contextEchoRoutes] });
    workspaceA = await createWorkspaceWithKey(api.database);
    workspaceB = await createWorkspaceWithKey(api.database);
    dataDirectory = await mkdtemp(path.join(os.tmpdir(), 'ragspace-api-access-'));
  });
  afterAll(async () => {
    await api.close();
    await rm(dataDirectory, { recursive: true, force: true });
  });

  const inject = (method: Method, url: string, headers: Record<string, string> = {}, payload?: unknown) =>
    api.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });

  describe('401', () => {
    it('asks for a key when none is sent', async () => {
      const response = await inject('GET', `/workspaces/${workspaceA.context.workspaceId}`);
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toContain('Bearer');
      expect(response.json()).toEqual({ error: { code: 'unauthorized', message: expect.stringContaining('Missing API key') } });
    });

    it('refuses unknown, malformed, tampered and conflicting credentials alike', async () => {
      const url = `/workspaces/${workspaceA.context.workspaceId}`;
      const tampered = `${workspaceA.adminSecret.slice(0, -1)}${workspaceA.adminSecret.endsWith('A') ? 'B' : 'A'}`;
      for (const headers of [
        bearer('rsk_aaaaaaaaaaaa_0000000000000000000000000000000000000000000'),
        bearer('not-a-key'),
        bearer(tampered),
        bearer(`${adminKey}x`),
        { authorization: `Basic ${Buffer.from(`user:${workspaceA.adminSecret}`).toString('base64')}` },
        { ...bearer(workspaceA.adminSecret), 'x-api-key': workspaceB.adminSecret },
      ]) {
        const response = await inject('GET', url, headers);
        expect(response.statusCode, JSON.stringify(headers)).toBe(401);
        expect(response.json().error.code).toBe('unauthorized');
      }
    });

    it('accepts X-API-Key as well as Authorization: Bearer', async () => {
      const url = `/workspaces/${workspaceA.context.workspaceId}`;
      expect((await inject('GET', url, { 'x-api-key': workspaceA.adminSecret })).statusCode).toBe(200);
      expect((await inject('GET', url, { authorization: `bearer ${workspaceA.adminSecret}` })).statusCode).toBe(200);
      expect((await inject('GET', url, { 'x-api-key': adminKey })).statusCode).toBe(200);
    });

    it('stops a revoked key on the next request in the process that revoked it, and within a second in another', async () => {
      const secret = await workspaceA.keyFor(['search']);
      const url = `/workspaces/${workspaceA.context.workspaceId}`;
      // A second app over the same database stands in for a second server process.
      const otherProcess = await buildApp(api.runtime, { rateLimit: false });
      try {
        expect((await inject('GET', url, bearer(secret))).statusCode).toBe(200);
        expect((await otherProcess.inject({ method: 'GET', url, headers: bearer(secret) })).statusCode).toBe(200);
        const prefix = secret.split('_').slice(0, 2).join('_');
        const revoked = await otherProcess.inject({
          method: 'DELETE',
          url: `${url}/api-keys/${prefix}`,
          headers: bearer(workspaceA.adminSecret),
        });
        expect(revoked.statusCode).toBe(200);
        expect((await otherProcess.inject({ method: 'GET', url, headers: bearer(secret) })).statusCode).toBe(401);
        await sleep(revocationBoundMs);
        expect((await inject('GET', url, bearer(secret))).statusCode).toBe(401);
      } finally {
        await otherProcess.close();
      }
    });

    it('stops an expired key', async () => {
      const created = await inject('POST', `/workspaces/${workspaceA.context.workspaceId}/api-keys`, bearer(workspaceA.adminSecret), {
        scopes: ['search'],
        expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
      });
      const { apiKey, secret } = created.json();
      expect((await inject('GET', `/workspaces/${workspaceA.context.workspaceId}`, bearer(secret))).statusCode).toBe(200);
      await api.database.query("UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1", [apiKey.id]);
      await sleep(revocationBoundMs);
      expect((await inject('GET', `/workspaces/${workspaceA.context.workspaceId}`, bearer(secret))).statusCode).toBe(401);
    });
  });

  describe('403 across tenants', () => {
    it("gives a key of workspace A 403 workspace_mismatch on every route of workspace B, and changes nothing there", async () => {
      const operations = await operationsUnder(api, '/workspaces/{id}', workspaceB.context.workspaceId);
      expect(operations.length).toBeGreaterThanOrEqual(12);
      const agentsBefore = (await inject('GET', `/workspaces/${workspaceB.context.workspaceId}/agents`, bearer(workspaceB.adminSecret))).body;
      for (const { method, url } of operations) {
        const payload = method === 'POST' || method === 'PATCH' ? { name: 'intruder', query: 'x' } : undefined;
        const response = await inject(method, url, bearer(workspaceA.adminSecret), payload);
        expect(response.statusCode, `${method} ${url}`).toBe(403);
        expect(response.json().error.code, `${method} ${url}`).toBe('workspace_mismatch');
      }
      const head = await api.app.inject({ method: 'HEAD', url: `/workspaces/${workspaceB.context.workspaceId}`, headers: bearer(workspaceA.adminSecret) });
      expect(head.statusCode).toBe(403);
      const agentsAfter = (await inject('GET', `/workspaces/${workspaceB.context.workspaceId}/agents`, bearer(workspaceB.adminSecret))).body;
      expect(agentsAfter).toBe(agentsBefore);
    });

    it('answers the same whether or not the other workspace exists', async () => {
      const existing = await inject('GET', `/workspaces/${workspaceB.context.workspaceId}/agents`, bearer(workspaceA.adminSecret));
      const missing = await inject('GET', `/workspaces/${randomUUID()}/agents`, bearer(workspaceA.adminSecret));
      expect(missing.statusCode).toBe(403);
      expect(missing.json()).toEqual(existing.json());

      const organizationKey = bearer(await createOrganizationKey(api.database, workspaceA.context.organizationId));
      const foreign = await inject('GET', `/workspaces/${workspaceB.context.workspaceId}`, organizationKey);
      const nowhere = await inject('GET', `/workspaces/${randomUUID()}`, organizationKey);
      expect(foreign.statusCode).toBe(403);
      expect(nowhere.json()).toEqual(foreign.json());
    });

    it('gives an organization admin of X 403 on every route of organization Y and of its workspaces', async () => {
      const organizationX = workspaceA.context.organizationId;
      const organizationY = workspaceB.context.organizationId;
      expect(organizationX).not.toBe(organizationY);
      const keyOfX = bearer(await createOrganizationKey(api.database, organizationX));

      const organizationOperations = await operationsUnder(api, '/organizations/{id}', organizationY);
      expect(organizationOperations.length).toBeGreaterThanOrEqual(8);
      for (const { method, url } of organizationOperations) {
        const response = await inject(method, url, keyOfX, method === 'POST' || method === 'PATCH' ? { name: 'intruder' } : undefined);
        expect(response.statusCode, `${method} ${url}`).toBe(403);
        expect(['organization_mismatch', 'forbidden']).toContain(response.json().error.code);
      }
      for (const { method, url } of await operationsUnder(api, '/workspaces/{id}', workspaceB.context.workspaceId)) {
        const response = await inject(method, url, keyOfX, method === 'POST' || method === 'PATCH' ? { name: 'intruder' } : undefined);
        expect(response.statusCode, `${method} ${url}`).toBe(403);
        expect(response.json().error.code).toBe('workspace_mismatch');
      }
      expect((await inject('GET', `/organizations/${organizationX}`, keyOfX)).statusCode).toBe(200);
    });

    it('keeps workspace keys out of organization and platform routes', async () => {
      const key = bearer(workspaceA.adminSecret);
      expect((await inject('GET', `/organizations/${workspaceA.context.organizationId}`, key)).json().error.code).toBe('forbidden');
      expect((await inject('POST', '/organizations', key, { name: 'Mine' })).statusCode).toBe(403);
    });

    it('enforces scopes: a search key cannot read agents or keys; admin implies every scope', async () => {
      const base = `/workspaces/${workspaceA.context.workspaceId}`;
      const searchKey = bearer(await workspaceA.keyFor(['search']));
      const denied = await inject('GET', `${base}/agents`, searchKey);
      expect(denied.statusCode).toBe(403);
      expect(denied.json().error).toMatchObject({ code: 'insufficient_scope', details: { required: ['chat'] } });
      expect((await inject('GET', `${base}/api-keys`, searchKey)).statusCode).toBe(403);
      expect((await inject('GET', `${base}/agents`, bearer(workspaceA.adminSecret))).statusCode).toBe(200);
    });
  });

  describe('the WorkspaceContext a route receives', () => {
    it('is derived from the key and the path, for each kind of principal', async () => {
      const { context } = workspaceA;
      const url = `/workspaces/${context.workspaceId}/context-echo`;
      const searchKey = await workspaceA.keyFor(['search']);
      const fromKey = await inject('GET', url, { ...bearer(searchKey), 'x-customer-id': 'customer-42' });
      expect(fromKey.json()).toEqual({
        organizationId: context.organizationId,
        workspaceId: context.workspaceId,
        graphGroup: context.graphGroup,
        apiKeyId: expect.any(String),
        customerId: 'customer-42',
        scopes: ['search'],
      });

      const fromPlatform = (await inject('GET', url, bearer(adminKey))).json();
      expect(fromPlatform).toMatchObject({ workspaceId: context.workspaceId, organizationId: context.organizationId, apiKeyId: null, customerId: null });
      expect(fromPlatform.scopes).toEqual(expect.arrayContaining(['admin', 'chat', 'search', 'documents:write']));

      const organizationKey = bearer(await createOrganizationKey(api.database, context.organizationId));
      expect((await inject('GET', url, organizationKey)).json()).toMatchObject({ workspaceId: context.workspaceId, graphGroup: context.graphGroup });
    });

    it('refuses a malformed customer id', async () => {
      const response = await inject('GET', `/workspaces/${workspaceA.context.workspaceId}/context-echo`, {
        ...bearer(workspaceA.adminSecret),
        'x-customer-id': 'a b',
      });
      expect(response.statusCode).toBe(400);
    });

    it('refuses to start when a route declares no access', async () => {
      const careless: RouteModule = async (app) => {
        app.get('/workspaces/:id/careless', async () => ({}));
      };
      await expect(buildApp(api.runtime, { extraRoutes: [careless] })).rejects.toThrow(/declares no config.access/);
    });
  });

  describe('platform admin', () => {
    it('is the platform key too, which no tenant can see or revoke', async () => {
      const { tenant } = await ensureFirstTenant(api.database, { organizationSlug: 'first-org', workspaceSlug: 'first' });
      const keyFile = path.join(dataDirectory, 'bootstrap-key');
      expect(await ensureFirstPlatformKey(api.database, keyPepper, keyFile)).toBe(true);
      expect(await ensureFirstPlatformKey(api.database, keyPepper, keyFile)).toBe(false);
      expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
      const platformKey = (await readFile(keyFile, 'utf8')).trim();
      const prefix = platformKey.split('_').slice(0, 2).join('_');
      expect(prefix).toMatch(/^rsp_[a-z0-9]{12}$/);

      expect((await inject('POST', '/organizations', bearer(platformKey), { name: 'By platform key' })).statusCode).toBe(201);
      expect((await inject('GET', `/workspaces/${workspaceB.context.workspaceId}`, bearer(platformKey))).statusCode).toBe(200);

      // The first workspace's own admins, of the workspace and of its organization.
      const workspaceAdmin = bearer((await createApiKey(api.database, keyPepper, { workspaceId: tenant.workspaceId }, { scopes: ['admin'] })).secret);
      const organizationAdmin = bearer(await createOrganizationKey(api.database, tenant.organizationId));
      for (const tenantKey of [workspaceAdmin, organizationAdmin]) {
        const workspaceKeys = await inject('GET', `/workspaces/${tenant.workspaceId}/api-keys`, tenantKey);
        expect(workspaceKeys.statusCode).toBe(200);
        expect(workspaceKeys.body).not.toContain(prefix);
        expect((await inject('DELETE', `/workspaces/${tenant.workspaceId}/api-keys/${prefix}`, tenantKey)).statusCode).toBe(404);
      }
      const organizationKeys = await inject('GET', `/organizations/${tenant.organizationId}/api-keys`, organizationAdmin);
      expect(organizationKeys.body).not.toContain(prefix);
      expect((await inject('DELETE', `/organizations/${tenant.organizationId}/api-keys/${prefix}`, organizationAdmin)).statusCode).toBe(404);
      expect((await inject('GET', '/organizations', bearer(platformKey))).statusCode).toBe(200);
    });

    it('works without RAGSPACE_ADMIN_KEY configured: the admin key is simply unknown', async () => {
      const withoutAdmin = await buildApp({ ...api.runtime, config: { ...api.runtime.config, adminKey: undefined } }, { rateLimit: false });
      try {
        const response = await withoutAdmin.inject({ method: 'GET', url: '/organizations', headers: bearer(adminKey) });
        expect(response.statusCode).toBe(401);
      } finally {
        await withoutAdmin.close();
      }
    });
  });

  describe('last_used_at', () => {
    const lastUsedOf = async (apiKeyId: string) =>
      (await api.database.query<{ last: string | null }>('SELECT last_used_at::text AS last FROM api_keys WHERE id = $1', [apiKeyId])).rows[0]!
        .last;

    it('is written on first use, then not again within the interval', async () => {
      const created = await inject('POST', `/workspaces/${workspaceA.context.workspaceId}/api-keys`, bearer(workspaceA.adminSecret), {
        scopes: ['search'],
      });
      const { apiKey, secret } = created.json();
      const use = () => inject('GET', `/workspaces/${workspaceA.context.workspaceId}`, bearer(secret));

      expect(await lastUsedOf(apiKey.id)).toBeNull();
      await use();
      await vi.waitFor(async () => expect(await lastUsedOf(apiKey.id)).not.toBeNull());
      const first = await lastUsedOf(apiKey.id);
      await use();
      await use();
      expect(await lastUsedOf(apiKey.id)).toBe(first);
    });

    it('is written again once the interval has passed', async () => {
      const app = await buildApp(api.runtime, { rateLimit: false, lastUsedIntervalSeconds: 1 });
      try {
        const created = await createApiKey(api.database, keyPepper, workspaceA.context, { scopes: ['search'] });
        const use = () => app.inject({ method: 'GET', url: `/workspaces/${workspaceA.context.workspaceId}`, headers: bearer(created.secret) });
        await use();
        await vi.waitFor(async () => expect(await lastUsedOf(created.apiKey.id)).not.toBeNull());
        const first = await lastUsedOf(created.apiKey.id);
        await sleep(1_100);
        await use();
        await vi.waitFor(async () => expect(await lastUsedOf(created.apiKey.id)).not.toBe(first));
      } finally {
        await app.close();
      }
    });
  });

  describe('logs', () => {
    it('carry request ids and never a key', async () => {
      const secret = await workspaceA.keyFor(['search']);
      const response = await inject('GET', `/workspaces/${workspaceA.context.workspaceId}`, {
        ...bearer(secret),
        'x-api-key': secret,
        'x-request-id': 'trace-123',
      });
      expect(response.headers['x-request-id']).toBe('trace-123');
      await inject('GET', `/workspaces/${workspaceB.context.workspaceId}`, bearer(secret));
      await inject('GET', '/organizations', bearer(adminKey));
      const logs = api.logLines.join('\n');
      expect(logs).toContain('trace-123');
      expect(logs).not.toContain(secret);
      // The secret part alone (it may itself contain '_', so cut after the public prefix).
      expect(logs).not.toContain(secret.slice('rsk_'.length + 12 + 1));
      expect(logs).not.toContain(adminKey);
    });
  });
});
