// Rate limits through the real app: per workspace (however many keys), per organization admin key,
// never for the platform admin, headers on every limited response, 429 with Retry-After, and
// failed authentication limited per client address.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliOperator } from '../../src/tenancy/audit.ts';
import { changeWorkspaceLimitOverrides, createPlan, listPlans, setOrganizationPlan } from '../../src/tenancy/plans.ts';
import { createWorkspace } from '../../src/tenancy/workspaces.ts';
import { adminKey, bearer, createOrganizationKey, createTestApi, createWorkspaceWithKey, type TestApi, type TestWorkspace } from './helpers.ts';

describe('rate limits', () => {
  let api: TestApi;
  let limited: TestWorkspace;
  let neighbour: TestWorkspace;

  const get = (url: string, key: string, remoteAddress = '127.0.0.1') =>
    api.app.inject({ method: 'GET', url, headers: bearer(key), remoteAddress });

  beforeAll(async () => {
    api = await createTestApi({ rateLimit: true, environment: { RAGSPACE_AUTH_FAILURES_PER_MINUTE: '3' } });
    limited = await createWorkspaceWithKey(api.database);
    neighbour = await createWorkspaceWithKey(api.database, undefined);
    await changeWorkspaceLimitOverrides(api.database, limited.context.workspaceId, { set: { requestsPerMinute: 4 } }, cliOperator);
  });
  afterAll(() => api.close());

  it('counts every key of a workspace against one allowance and says so in the headers', async () => {
    const url = `/workspaces/${limited.context.workspaceId}`;
    const second = await limited.keyFor(['search']);
    const answers = [await get(url, limited.adminSecret), await get(url, second), await get(url, limited.adminSecret)];
    expect(answers.map((answer) => answer.statusCode)).toEqual([200, 200, 200]);
    expect(answers.map((answer) => answer.headers['x-ratelimit-limit'])).toEqual(['4', '4', '4']);
    expect(answers.map((answer) => answer.headers['x-ratelimit-remaining'])).toEqual(['3', '2', '1']);
    for (const answer of answers) {
      const reset = Number(answer.headers['x-ratelimit-reset']);
      expect(reset).toBeGreaterThan(0);
      expect(reset).toBeLessThanOrEqual(60);
    }
    // An error after authentication is still a counted, limited response.
    const missing = await get(`${url}/agents/no-such-agent`, limited.adminSecret);
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['x-ratelimit-remaining']).toBe('0');

    const refused = await get(url, await limited.keyFor(['chat']));
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error).toMatchObject({ code: 'rate_limited', details: { limit: 'workspace', requestsPerMinute: 4 } });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.headers['x-ratelimit-remaining']).toBe('0');

    // Another workspace has its own allowance (the free plan's 60).
    const other = await get(`/workspaces/${neighbour.context.workspaceId}`, neighbour.adminSecret);
    expect(other.statusCode).toBe(200);
    expect(other.headers['x-ratelimit-limit']).toBe('60');
  });

  it('lets exactly the limit through when requests arrive at once', async () => {
    const tenant = await createWorkspaceWithKey(api.database);
    await changeWorkspaceLimitOverrides(api.database, tenant.context.workspaceId, { set: { requestsPerMinute: 7 } }, cliOperator);
    const url = `/workspaces/${tenant.context.workspaceId}`;
    const answers = await Promise.all(Array.from({ length: 20 }, () => get(url, tenant.adminSecret)));
    expect(answers.filter((answer) => answer.statusCode === 200), answers.map((answer) => answer.body).join("\n")).toHaveLength(7);
    expect(answers.filter((answer) => answer.statusCode === 429)).toHaveLength(13);
    const remaining = answers.filter((answer) => answer.statusCode === 200).map((answer) => Number(answer.headers['x-ratelimit-remaining']));
    expect(remaining.sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it("limits an organization admin key by its plan across the organization's workspaces", async () => {
    const plans = await listPlans(api.database);
    const base = plans.find((plan) => plan.isDefault)!;
    await createPlan(api.database, { id: 'tiny', name: 'Tiny', limits: { ...base.limits, requestsPerMinute: 3 } }, cliOperator);
    const tenant = await createWorkspaceWithKey(api.database);
    const { organizationId } = tenant.context;
    await setOrganizationPlan(api.database, organizationId, 'tiny', cliOperator);
    const second = await createWorkspace(api.database, { organization: organizationId, name: 'Second' });
    // The workspaces keep a larger allowance of their own: the key's counter is what binds here.
    for (const workspaceId of [tenant.context.workspaceId, second.id]) {
      await changeWorkspaceLimitOverrides(api.database, workspaceId, { set: { requestsPerMinute: 100 } }, cliOperator);
    }
    const organizationKey = await createOrganizationKey(api.database, organizationId);

    const first = await get(`/workspaces/${tenant.context.workspaceId}`, organizationKey);
    expect(first.statusCode).toBe(200);
    expect(first.headers['x-ratelimit-limit']).toBe('3');
    expect((await get(`/workspaces/${second.id}`, organizationKey)).headers['x-ratelimit-remaining']).toBe('1');
    expect((await get(`/organizations/${organizationId}`, organizationKey)).headers['x-ratelimit-remaining']).toBe('0');
    const refused = await get(`/organizations/${organizationId}/workspaces`, organizationKey);
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error.details).toMatchObject({ limit: 'api_key', requestsPerMinute: 3 });
    // The workspace's own keys are not held back by the organization key's counter.
    expect((await get(`/workspaces/${tenant.context.workspaceId}`, tenant.adminSecret)).statusCode).toBe(200);
  });

  it("never throttles the platform admin nor charges its requests to the tenant", async () => {
    const tenant = await createWorkspaceWithKey(api.database);
    await changeWorkspaceLimitOverrides(api.database, tenant.context.workspaceId, { set: { requestsPerMinute: 2 } }, cliOperator);
    const url = `/workspaces/${tenant.context.workspaceId}`;
    for (let request = 0; request < 5; request += 1) {
      const answer = await get(url, adminKey);
      expect(answer.statusCode).toBe(200);
      expect(answer.headers['x-ratelimit-limit']).toBeUndefined();
    }
    expect((await get(url, tenant.adminSecret)).headers['x-ratelimit-remaining']).toBe('1');
  });

  it('sends no rate-limit headers where no limit applies (an override of null)', async () => {
    const tenant = await createWorkspaceWithKey(api.database);
    await changeWorkspaceLimitOverrides(api.database, tenant.context.workspaceId, { set: { requestsPerMinute: null } }, cliOperator);
    const answer = await get(`/workspaces/${tenant.context.workspaceId}`, tenant.adminSecret);
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['x-ratelimit-limit']).toBeUndefined();
  });

  it('refuses an address after too many failed authentications, whatever key it sends next', async () => {
    const tenant = await createWorkspaceWithKey(api.database);
    const url = `/workspaces/${tenant.context.workspaceId}`;
    const wrongKey = `${tenant.adminSecret.slice(0, -4)}AAAA`;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect((await get(url, wrongKey, '10.9.0.1')).statusCode).toBe(401);
    }
    const blocked = await get(url, tenant.adminSecret, '10.9.0.1');
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error).toMatchObject({ code: 'rate_limited', details: { limit: 'authentication_failures' } });
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    // A wrong key from the blocked address looks the same as a right one.
    expect((await get(url, wrongKey, '10.9.0.1')).statusCode).toBe(429);
    // Other addresses, and the workspace itself, are unaffected; successes never count.
    expect((await get(url, tenant.adminSecret, '10.9.0.2')).statusCode).toBe(200);
    expect((await get(url, wrongKey, '10.9.0.2')).statusCode).toBe(401);
    expect((await get(url, tenant.adminSecret, '10.9.0.2')).statusCode).toBe(200);

    const { rows } = await api.database.query<{ count: number }>(
      "SELECT count(*)::int AS count FROM audit_events WHERE action = 'authentication.failed' AND client_address = '10.9.0.1' AND workspace_id = $1",
      [tenant.context.workspaceId],
    );
    expect(rows[0]!.count).toBe(3);
  });
});
