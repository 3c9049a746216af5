// The audit trail of a scripted session: every security event, in order, with who did it, from
// which address and in which request; readable (and pageable) by the organization's admins and
// the platform admin only. And the log lines of authenticated requests say who, never the secret.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminKey, bearer, createTestApi, type Method, type TestApi } from './helpers.ts';

interface Step {
  method: Method;
  url: string;
  key: string;
  payload?: unknown;
  address: string;
}

describe('audit trail', () => {
  let api: TestApi;
  let step = 0;

  /** Sends one request of the session with its own request id and client address. */
  async function send({ method, url, key, payload, address }: Step) {
    step += 1;
    const requestId = `audit-step-${step}`;
    const response = await api.app.inject({
      method,
      url,
      headers: { ...bearer(key), 'x-request-id': requestId },
      remoteAddress: address,
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
    return { response, requestId, body: response.body ? response.json() : undefined };
  }

  beforeAll(async () => {
    api = await createTestApi();
  });
  afterAll(() => api.close());

  it('records the session, in order, for the organization admins and the platform admin', async () => {
    const operator = '203.0.113.7';
    const customer = '198.51.100.20';
    const organization = (await send({ method: 'POST', url: '/organizations', key: adminKey, address: operator, payload: { name: 'Audited', contactEmail: 'ops@audited.example' } })).body;
    expect(organization).toMatchObject({ planId: 'free', contactEmail: 'ops@audited.example', status: 'active' });
    const organizationUrl = `/organizations/${organization.id}`;

    const organizationKey = await send({ method: 'POST', url: `${organizationUrl}/api-keys`, key: adminKey, address: operator, payload: { name: 'ops' } });
    const orgSecret: string = organizationKey.body.secret;
    const workspace = (await send({ method: 'POST', url: `${organizationUrl}/workspaces`, key: orgSecret, address: customer, payload: { name: 'Support' } })).body;
    const workspaceUrl = `/workspaces/${workspace.id}`;
    const workspaceKey = await send({ method: 'POST', url: `${workspaceUrl}/api-keys`, key: orgSecret, address: customer, payload: { scopes: ['admin'] } });
    const workspaceSecret: string = workspaceKey.body.secret;
    const shortLived = await send({ method: 'POST', url: `${workspaceUrl}/api-keys`, key: workspaceSecret, address: customer, payload: { scopes: ['search'] } });
    const revoked = await send({ method: 'DELETE', url: `${workspaceUrl}/api-keys/${shortLived.body.apiKey.prefix}`, key: workspaceSecret, address: customer });
    const failed = await send({ method: 'GET', url: workspaceUrl, key: shortLived.body.secret, address: '192.0.2.66' });
    expect(failed.response.statusCode).toBe(401);
    const planChange = await send({ method: 'PUT', url: `${organizationUrl}/plan`, key: adminKey, address: operator, payload: { planId: 'pro' } });
    expect(planChange.body.planId).toBe('pro');
    const limits = await send({ method: 'PUT', url: `${workspaceUrl}/limits`, key: adminKey, address: operator, payload: { documents: 5, agents: null } });
    expect(limits.body.limitOverrides).toEqual({ documents: 5, agents: null });
    const suspended = await send({ method: 'POST', url: `${workspaceUrl}/suspend`, key: adminKey, address: operator, payload: { reason: 'abuse report #12' } });
    const reactivated = await send({ method: 'POST', url: `${workspaceUrl}/reactivate`, key: adminKey, address: operator });
    const deleted = await send({ method: 'DELETE', url: `${workspaceUrl}?confirm=support`, key: orgSecret, address: customer });
    expect(deleted.response.statusCode).toBe(204);

    const trail = await send({ method: 'GET', url: `${organizationUrl}/audit?limit=100`, key: orgSecret, address: customer });
    expect(trail.response.statusCode).toBe(200);
    const organizationKeyId = organizationKey.body.apiKey.id;
    expect(trail.body.nextCursor).toBeNull();
    expect(trail.body.items).toEqual([
      expect.objectContaining({ action: 'organization_api_key.created', principalKind: 'platform_admin', principalId: null, clientAddress: operator, requestId: organizationKey.requestId, targetId: organizationKeyId, workspaceId: null }),
      expect.objectContaining({ action: 'api_key.created', principalKind: 'organization_admin', principalId: organizationKeyId, clientAddress: customer, requestId: workspaceKey.requestId, workspaceId: workspace.id, targetId: workspaceKey.body.apiKey.id }),
      expect.objectContaining({ action: 'api_key.created', principalKind: 'workspace_key', principalId: workspaceKey.body.apiKey.id, requestId: shortLived.requestId, targetId: shortLived.body.apiKey.id }),
      expect.objectContaining({ action: 'api_key.revoked', principalKind: 'workspace_key', requestId: revoked.requestId, targetId: shortLived.body.apiKey.id, details: expect.objectContaining({ prefix: shortLived.body.apiKey.prefix }) }),
      expect.objectContaining({ action: 'authentication.failed', outcome: 'failure', principalKind: 'anonymous', principalId: null, clientAddress: '192.0.2.66', requestId: failed.requestId, workspaceId: workspace.id, details: { reason: 'invalid, expired or revoked key', keyPrefix: shortLived.body.apiKey.prefix } }),
      expect.objectContaining({ action: 'organization.plan_changed', principalKind: 'platform_admin', requestId: planChange.requestId, details: { from: 'free', to: 'pro' } }),
      expect.objectContaining({ action: 'workspace.limits_changed', requestId: limits.requestId, details: { before: {}, after: { documents: 5, agents: null } } }),
      expect.objectContaining({ action: 'workspace.suspended', requestId: suspended.requestId, details: { reason: 'abuse report #12' } }),
      expect.objectContaining({ action: 'workspace.reactivated', requestId: reactivated.requestId, details: {} }),
      expect.objectContaining({ action: 'workspace.deleted', principalKind: 'organization_admin', principalId: organizationKeyId, requestId: deleted.requestId, workspaceId: workspace.id, details: { slug: 'support', name: 'Support' } }),
    ]);
    // The request ids are the ones the responses carried.
    expect(workspaceKey.response.headers['x-request-id']).toBe(workspaceKey.requestId);
    // No secret anywhere in the trail.
    for (const secret of [orgSecret, workspaceSecret, shortLived.body.secret]) expect(trail.response.body).not.toContain(secret);

    // Paged, the same events in the same order; filtered by action.
    const pages: unknown[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const page: { items: unknown[]; nextCursor: string | null } = (
        await send({ method: 'GET', url: `${organizationUrl}/audit?limit=3${cursor ? `&cursor=${cursor}` : ''}`, key: adminKey, address: operator })
      ).body;
      pages.push(...page.items);
      cursor = page.nextCursor;
    }
    expect(pages).toEqual(trail.body.items);
    const created = await send({ method: 'GET', url: `${organizationUrl}/audit?action=api_key.created`, key: orgSecret, address: customer });
    expect(created.body.items.map((event: { requestId: string }) => event.requestId)).toEqual([workspaceKey.requestId, shortLived.requestId]);
    const invalid = await send({ method: 'GET', url: `${organizationUrl}/audit?action=everything`, key: orgSecret, address: customer });
    expect(invalid.response.statusCode).toBe(400);
  });

  it("is the organization's own: other organizations' admins and workspace keys are refused", async () => {
    const mine = (await send({ method: 'POST', url: '/organizations', key: adminKey, address: '127.0.0.1', payload: { name: 'Mine' } })).body;
    const theirs = (await send({ method: 'POST', url: '/organizations', key: adminKey, address: '127.0.0.1', payload: { name: 'Theirs' } })).body;
    const theirKey = (await send({ method: 'POST', url: `/organizations/${theirs.id}/api-keys`, key: adminKey, address: '127.0.0.1', payload: {} })).body.secret;
    const refused = await send({ method: 'GET', url: `/organizations/${mine.id}/audit`, key: theirKey, address: '127.0.0.1' });
    expect(refused.response.statusCode).toBe(403);
    expect(refused.body.error.code).toBe('organization_mismatch');
    const everything = await send({ method: 'GET', url: '/audit?limit=100', key: theirKey, address: '127.0.0.1' });
    expect(everything.response.statusCode).toBe(403);

    // The platform admin's trail also has what no organization owns: a key nobody issued.
    await send({ method: 'GET', url: `/organizations/${mine.id}`, key: `rso_zzzzzzzzzzzz_${'B'.repeat(43)}`, address: '192.0.2.99' });
    const all = await send({ method: 'GET', url: '/audit?action=authentication.failed&limit=100', key: adminKey, address: '127.0.0.1' });
    expect(all.body.items).toContainEqual(
      expect.objectContaining({ organizationId: null, clientAddress: '192.0.2.99', details: { reason: 'invalid, expired or revoked key', keyPrefix: 'rso_zzzzzzzzzzzz' } }),
    );
  });

  it('puts the workspace and key id on every log line of an authenticated request, and never a secret', async () => {
    const organization = (await send({ method: 'POST', url: '/organizations', key: adminKey, address: '127.0.0.1', payload: { name: 'Logged' } })).body;
    const workspace = (await send({ method: 'POST', url: `/organizations/${organization.id}/workspaces`, key: adminKey, address: '127.0.0.1', payload: { name: 'W' } })).body;
    const key = (await send({ method: 'POST', url: `/workspaces/${workspace.id}/api-keys`, key: adminKey, address: '127.0.0.1', payload: { scopes: ['admin'] } })).body;
    api.logLines.length = 0;
    const searched = await send({ method: 'POST', url: `/workspaces/${workspace.id}/search`, key: key.secret, address: '127.0.0.1', payload: { query: 'anything' } });
    const missing = await send({ method: 'GET', url: `/workspaces/${workspace.id}/agents/nope`, key: key.secret, address: '127.0.0.1' });
    expect(missing.response.statusCode).toBe(404);

    for (const { requestId } of [searched, missing]) {
      const lines = api.logLines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.reqId === requestId);
      expect(lines.map((line) => line.msg)).toEqual(expect.arrayContaining(['incoming request', 'request completed']));
      for (const line of lines) expect(line).toMatchObject({ workspaceId: workspace.id, keyId: key.apiKey.id, organizationId: organization.id, principal: 'workspace_key' });
    }
    expect(api.logLines.join('\n')).not.toContain(key.secret);
  });
});
