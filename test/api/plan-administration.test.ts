// Plans and what the platform admin sets on tenants: plan CRUD with one default, an organization's
// plan and contact, a workspace's overrides; validated, refused with clear errors, changing nothing
// when refused, and felt at once by the limits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getEffectiveLimits, limitNames } from '../../src/tenancy/plans.ts';
import { adminKey, bearer, createOrganizationKey, createTestApi, createWorkspaceWithKey, type Method, type TestApi } from './helpers.ts';

const admin = bearer(adminKey);
const fullLimits = Object.fromEntries(limitNames.map((name) => [name, 10]));

describe('plan administration', () => {
  let api: TestApi;
  const inject = (method: Method, url: string, payload?: unknown, headers = admin) =>
    api.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
  const plansSnapshot = async () => (await inject('GET', '/plans')).json();

  beforeAll(async () => {
    api = await createTestApi();
  });
  afterAll(() => api.close());

  it('creates, reads, changes and deletes plans, keeping exactly one default', async () => {
    const created = await inject('POST', '/plans', { id: 'team', name: 'Team', limits: { ...fullLimits, storageBytes: null } });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ id: 'team', isDefault: false, limits: { documents: 10, storageBytes: null } });

    const changed = await inject('PATCH', '/plans/team', { name: 'Team plan', limits: { documents: 50 }, isDefault: true });
    expect(changed.json()).toMatchObject({ name: 'Team plan', isDefault: true, limits: { documents: 50, agents: 10, storageBytes: null } });
    const plans: Array<{ id: string; isDefault: boolean }> = (await inject('GET', '/plans')).json().items;
    expect(plans.filter((plan) => plan.isDefault).map((plan) => plan.id)).toEqual(['team']);
    expect((await inject('POST', '/organizations', { name: 'On team' })).json().planId).toBe('team');

    const refusedDefault = await inject('DELETE', '/plans/team');
    expect(refusedDefault.statusCode).toBe(409);
    expect(refusedDefault.json().error.message).toMatch(/default plan/);
    await inject('PATCH', '/plans/free', { isDefault: true });
    const refusedInUse = await inject('DELETE', '/plans/team');
    expect(refusedInUse.statusCode).toBe(409);
    expect(refusedInUse.json().error.message).toMatch(/used by 1 organization/);

    expect((await inject('POST', '/plans', { id: 'unused', name: 'Unused', limits: fullLimits })).statusCode).toBe(201);
    expect((await inject('DELETE', '/plans/unused')).statusCode).toBe(204);
    expect((await inject('GET', '/plans/unused')).statusCode).toBe(404);
  });

  it('refuses bad plans with 400, 404 or 409 and changes nothing', async () => {
    const before = await plansSnapshot();
    const missingLimit = Object.fromEntries(limitNames.slice(1).map((name) => [name, 1]));
    const cases: Array<[Method, string, unknown, number, string]> = [
      ['POST', '/plans', { id: 'partial', name: 'Partial', limits: missingLimit }, 400, 'validation_error'],
      ['POST', '/plans', { id: 'negative', name: 'Negative', limits: { ...fullLimits, agents: -1 } }, 400, 'validation_error'],
      ['POST', '/plans', { id: 'fraction', name: 'Fraction', limits: { ...fullLimits, agents: 1.5 } }, 400, 'validation_error'],
      ['POST', '/plans', { id: 'extra', name: 'Extra', limits: { ...fullLimits, gpus: 1 } }, 400, 'validation_error'],
      ['POST', '/plans', { id: 'Bad Id', name: 'Bad', limits: fullLimits }, 400, 'validation_error'],
      ['POST', '/plans', { id: 'pro', name: 'Again', limits: fullLimits }, 409, 'conflict'],
      ['PATCH', '/plans/pro', { limits: { requestsPerHour: 5 } }, 400, 'validation_error'],
      ['PATCH', '/plans/pro', { isDefault: false }, 400, 'validation_error'],
      ['PATCH', '/plans/nope', { name: 'Nope' }, 404, 'not_found'],
      ['DELETE', '/plans/nope', undefined, 404, 'not_found'],
    ];
    for (const [method, url, payload, status, code] of cases) {
      const response = await inject(method, url, payload);
      expect(response.statusCode, `${method} ${url} ${JSON.stringify(payload)}`).toBe(status);
      expect(response.json().error.code).toBe(code);
    }
    expect(await plansSnapshot()).toEqual(before);
  });

  it('lets only the platform admin touch plans, plans of organizations and overrides', async () => {
    const tenant = await createWorkspaceWithKey(api.database);
    const organizationKey = bearer(await createOrganizationKey(api.database, tenant.context.organizationId));
    const workspaceKey = bearer(tenant.adminSecret);
    for (const headers of [organizationKey, workspaceKey]) {
      expect((await inject('GET', '/plans', undefined, headers)).statusCode).toBe(403);
      expect((await inject('PATCH', '/plans/free', { name: 'Mine' }, headers)).statusCode).toBe(403);
      expect((await inject('PUT', `/organizations/${tenant.context.organizationId}/plan`, { planId: 'enterprise' }, headers)).statusCode).toBe(403);
      expect((await inject('PUT', `/workspaces/${tenant.context.workspaceId}/limits`, { documents: null }, headers)).statusCode).toBe(403);
    }
    expect((await getEffectiveLimits(api.database, tenant.context.workspaceId)).planId).toBe('free');
  });

  it("moves an organization to another plan and sets a workspace's overrides, which the limits use at once", async () => {
    const tenant = await createWorkspaceWithKey(api.database);
    const { organizationId, workspaceId } = tenant.context;
    const moved = await inject('PUT', `/organizations/${organizationId}/plan`, { planId: 'pro' });
    expect(moved.json()).toMatchObject({ id: organizationId, planId: 'pro' });
    expect((await inject('PUT', `/organizations/${organizationId}/plan`, { planId: 'gold' })).statusCode).toBe(404);
    expect((await inject('PUT', `/organizations/${organizationId}/plan`, {})).statusCode).toBe(400);

    const overridden = await inject('PUT', `/workspaces/${workspaceId}/limits`, { documents: 3, requestsPerMinute: null });
    expect(overridden.json().limitOverrides).toEqual({ documents: 3, requestsPerMinute: null });
    const effective = await getEffectiveLimits(api.database, workspaceId);
    expect(effective.limits).toMatchObject({ documents: 3, requestsPerMinute: null, agents: 20 });

    for (const bad of [{ documents: -1 }, { documents: '5' }, { nonsense: 1 }, [1]]) {
      const response = await inject('PUT', `/workspaces/${workspaceId}/limits`, bad);
      expect(response.statusCode, JSON.stringify(bad)).toBe(400);
    }
    expect((await getEffectiveLimits(api.database, workspaceId)).overrides).toEqual({ documents: 3, requestsPerMinute: null });
    expect((await inject('PUT', `/workspaces/${workspaceId}/limits`, {})).json().limitOverrides).toEqual({});
    // Everyone on the workspace sees its status and overrides; they are not secret.
    expect((await inject('GET', `/workspaces/${workspaceId}`, undefined, bearer(tenant.adminSecret))).json()).toMatchObject({ status: 'active', limitOverrides: {} });
  });

  it('keeps a contact email that the organization admin may change, validated', async () => {
    const created = await inject('POST', '/organizations', { name: 'Contactable', contactEmail: 'billing@contactable.example', planId: 'starter' });
    expect(created.json()).toMatchObject({ contactEmail: 'billing@contactable.example', planId: 'starter', status: 'active', statusChangedAt: null });
    const organizationKey = bearer(await createOrganizationKey(api.database, created.json().id));
    const url = `/organizations/${created.json().id}`;
    expect((await inject('PATCH', url, { contactEmail: 'ops@contactable.example' }, organizationKey)).json().contactEmail).toBe('ops@contactable.example');
    expect((await inject('PATCH', url, { contactEmail: 'nope' }, organizationKey)).statusCode).toBe(400);
    expect((await inject('PATCH', url, { planId: 'enterprise' }, organizationKey)).statusCode).toBe(400);
    expect((await inject('PATCH', url, { contactEmail: null }, organizationKey)).json()).toMatchObject({ contactEmail: null, planId: 'starter' });
    expect((await inject('POST', '/organizations', { name: 'Unknown plan', planId: 'gold' })).statusCode).toBe(404);
  });
});
