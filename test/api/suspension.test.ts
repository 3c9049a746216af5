// Suspension through the real app: a suspended workspace or organization is refused on every route
// of every family (403 workspace_suspended / organization_suspended) for its own keys and its
// organization's admins, keeps every row, stays visible to the platform admin, and works again
// once reactivated.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminKey,
  bearer,
  createOrganizationKey,
  createTestApi,
  createWorkspaceWithKey,
  operationsUnder,
  type Method,
  type TestApi,
  type TestWorkspace,
} from './helpers.ts';

/** Routes only the platform admin may call: a tenant's key is refused there whatever its status. */
const platformAdminOnly = [
  /^POST \/organizations\/[^/]+\/api-keys$/,
  /^DELETE \/organizations\/[^/]+$/,
  /^PUT \/organizations\/[^/]+\/plan$/,
  /^POST \/organizations\/[^/]+\/(suspend|reactivate)$/,
  /^POST \/workspaces\/[^/]+\/(suspend|reactivate)$/,
  /^PUT \/workspaces\/[^/]+\/limits$/,
];
const isPlatformAdminOnly = (method: Method, url: string) => platformAdminOnly.some((pattern) => pattern.test(`${method} ${url}`));

describe('suspension', () => {
  let api: TestApi;
  let tenant: TestWorkspace;
  let organizationKey: string;
  let workspaceUrl: string;
  let organizationUrl: string;

  const inject = (method: Method, url: string, key: string, payload?: unknown) =>
    api.app.inject({ method, url, headers: bearer(key), ...(payload === undefined ? {} : { payload: payload as object }) });

  /** Everything a tenant has, as the platform admin sees it. */
  async function snapshot(): Promise<unknown> {
    const documents = (await inject('GET', `${workspaceUrl}/documents?limit=100`, adminKey)).json();
    const sessions = (await inject('GET', `${workspaceUrl}/sessions?limit=100`, adminKey)).json();
    // last_used_at moves whenever a key is used; what matters is that every key is still there.
    const keys = (await inject('GET', `${workspaceUrl}/api-keys?limit=100`, adminKey)).json().items.map(({ lastUsedAt: _used, ...key }: Record<string, unknown>) => key);
    const search = (await inject('POST', `${workspaceUrl}/search`, adminKey, { query: 'refund policy', mode: 'hybrid', limit: 5 })).json();
    return { documents, sessions, keys, search };
  }

  /** Sends every operation under `prefix` with `key` and returns the error codes that came back. */
  async function codesOnEveryRoute(prefix: string, id: string, key: string): Promise<Map<string, string>> {
    const codes = new Map<string, string>();
    for (const { method, url } of await operationsUnder(api, prefix, id)) {
      const payload = ['POST', 'PUT', 'PATCH'].includes(method) ? { name: 'while suspended', query: 'x', message: 'x', content: 'x', source: 'x.md' } : undefined;
      const response = await inject(method, url, key, payload);
      codes.set(`${method} ${url}`, response.statusCode === 403 ? response.json().error.code : `status ${response.statusCode}`);
    }
    return codes;
  }

  function expectRefusedEverywhere(codes: Map<string, string>, expected: string) {
    expect(codes.size).toBeGreaterThanOrEqual(10);
    for (const [operation, code] of codes) {
      const [method, url] = operation.split(' ') as [Method, string];
      expect(code, operation).toBe(isPlatformAdminOnly(method, url) ? 'forbidden' : expected);
    }
  }

  beforeAll(async () => {
    api = await createTestApi();
    tenant = await createWorkspaceWithKey(api.database);
    organizationKey = await createOrganizationKey(api.database, tenant.context.organizationId);
    workspaceUrl = `/workspaces/${tenant.context.workspaceId}`;
    organizationUrl = `/organizations/${tenant.context.organizationId}`;
    const uploaded = await inject('POST', `${workspaceUrl}/documents`, tenant.adminSecret, {
      source: 'refunds.md',
      content: '# Refunds\n\nOur refund policy: a full refund within 30 days of purchase, no questions asked.',
    });
    expect(uploaded.statusCode).toBe(201);
    expect((await inject('POST', `${workspaceUrl}/chat`, tenant.adminSecret, { message: 'What is the refund policy?' })).statusCode).toBe(200);
  });
  afterAll(() => api.close());

  it('refuses a suspended workspace on every route, keeps its data, and serves it again once reactivated', async () => {
    const before = await snapshot();
    const suspended = await inject('POST', `${workspaceUrl}/suspend`, adminKey, { reason: 'unpaid invoice' });
    expect(suspended.statusCode).toBe(200);
    expect(suspended.json()).toMatchObject({ status: 'suspended', statusChangedAt: expect.any(String) });

    expectRefusedEverywhere(await codesOnEveryRoute('/workspaces/{id}', tenant.context.workspaceId, tenant.adminSecret), 'workspace_suspended');
    expectRefusedEverywhere(await codesOnEveryRoute('/workspaces/{id}', tenant.context.workspaceId, organizationKey), 'workspace_suspended');
    const refusal = await inject('POST', `${workspaceUrl}/search`, tenant.adminSecret, { query: 'refund' });
    expect(refusal.json().error.message).toMatch(/suspended; its data is kept/);

    // The organization itself is not suspended: its admin still manages it and sees the status.
    const listed = await inject('GET', `${organizationUrl}/workspaces`, organizationKey);
    expect(listed.statusCode).toBe(200);
    expect(listed.json().items).toEqual([expect.objectContaining({ id: tenant.context.workspaceId, status: 'suspended' })]);
    // The platform admin still sees everything, unchanged.
    expect(await snapshot()).toEqual(before);

    const reactivated = await inject('POST', `${workspaceUrl}/reactivate`, adminKey);
    expect(reactivated.statusCode).toBe(200);
    expect(reactivated.json().status).toBe('active');
    expect(await snapshot()).toEqual(before);
    await expectServed(tenant.adminSecret);
    await expectServed(organizationKey);
  });

  it('refuses a suspended organization on its routes and on every route of its workspaces, then serves it again', async () => {
    const before = await snapshot();
    expect((await inject('POST', `${organizationUrl}/suspend`, adminKey, {})).json()).toMatchObject({ status: 'suspended' });

    expectRefusedEverywhere(await codesOnEveryRoute('/organizations/{id}', tenant.context.organizationId, organizationKey), 'organization_suspended');
    expectRefusedEverywhere(await codesOnEveryRoute('/workspaces/{id}', tenant.context.workspaceId, organizationKey), 'organization_suspended');
    expectRefusedEverywhere(await codesOnEveryRoute('/workspaces/{id}', tenant.context.workspaceId, tenant.adminSecret), 'organization_suspended');
    // Its keys still exist and still authenticate: a suspension is not a revocation.
    expect((await inject('GET', workspaceUrl, tenant.adminSecret)).statusCode).toBe(403);
    expect((await inject('GET', organizationUrl, adminKey)).json()).toMatchObject({ status: 'suspended' });
    expect(await snapshot()).toEqual(before);

    expect((await inject('POST', `${organizationUrl}/reactivate`, adminKey)).json()).toMatchObject({ status: 'active' });
    expect(await snapshot()).toEqual(before);
    await expectServed(tenant.adminSecret);
    await expectServed(organizationKey);
    expect((await inject('GET', `${organizationUrl}/audit`, organizationKey)).statusCode).toBe(200);
  });

  it('leaves other tenants alone, and answers 404 for a tenant that does not exist', async () => {
    const other = await createWorkspaceWithKey(api.database);
    await inject('POST', `/organizations/${other.context.organizationId}/suspend`, adminKey);
    expect((await inject('GET', workspaceUrl, tenant.adminSecret)).statusCode).toBe(200);
    await inject('POST', `/organizations/${other.context.organizationId}/reactivate`, adminKey);
    const missing = await inject('POST', '/workspaces/00000000-0000-4000-8000-000000000000/suspend', adminKey);
    expect(missing.statusCode).toBe(404);
    expect((await inject('POST', '/organizations/00000000-0000-4000-8000-000000000000/suspend', adminKey)).statusCode).toBe(404);
    const badReason = await inject('POST', `${workspaceUrl}/suspend`, adminKey, { reason: '' });
    expect(badReason.statusCode).toBe(400);
    expect((await inject('GET', workspaceUrl, adminKey)).json().status).toBe('active');
  });

  /** One request of every route family succeeds with `key`. */
  async function expectServed(key: string) {
    const requests: Array<[Method, string, unknown?]> = [
      ['GET', workspaceUrl],
      ['GET', `${workspaceUrl}/agents`],
      ['GET', `${workspaceUrl}/api-keys`],
      ['GET', `${workspaceUrl}/documents`],
      ['POST', `${workspaceUrl}/search`, { query: 'refund policy', mode: 'text' }],
      ['GET', `${workspaceUrl}/sessions`],
      ['POST', `${workspaceUrl}/chat`, { message: 'How long do refunds take?' }],
    ];
    for (const [method, url, payload] of requests) {
      const response = await inject(method, url, key, payload);
      expect(response.statusCode, `${method} ${url}`).toBe(200);
    }
  }
});
