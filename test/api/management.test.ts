// The management endpoints through app.inject: organizations, workspaces, agents, keys, pagination.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminKey, bearer, createOrganizationKey, createTestApi, createWorkspaceWithKey, type TestApi } from './helpers.ts';

const admin = bearer(adminKey);

describe('management API', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi();
  });
  afterAll(() => api.close());

  const inject = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, headers: Record<string, string>, payload?: unknown) =>
    api.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });

  describe('organizations', () => {
    it('creates, reads, renames and lists organizations as platform admin', async () => {
      const created = await inject('POST', '/organizations', admin, { name: 'Acme Support' });
      expect(created.statusCode).toBe(201);
      const organization = created.json();
      expect(organization).toMatchObject({ slug: 'acme-support', name: 'Acme Support' });
      expect(Date.parse(organization.createdAt)).not.toBeNaN();

      const read = await inject('GET', `/organizations/${organization.id}`, admin);
      expect(read.statusCode).toBe(200);
      expect(read.json()).toEqual(organization);

      const renamed = await inject('PATCH', `/organizations/${organization.id}`, admin, { name: 'Acme' });
      expect(renamed.statusCode).toBe(200);
      expect(renamed.json()).toMatchObject({ id: organization.id, name: 'Acme', slug: 'acme-support' });

      const listed = await inject('GET', '/organizations?limit=100', admin);
      expect(listed.statusCode).toBe(200);
      expect(listed.json().items.map((item: { id: string }) => item.id)).toContain(organization.id);
    });

    it('answers 409 for a taken slug and 400 for an invalid one, writing nothing', async () => {
      await inject('POST', '/organizations', admin, { name: 'Taken', slug: 'taken' });
      const duplicate = await inject('POST', '/organizations', admin, { name: 'Other', slug: 'taken' });
      expect(duplicate.statusCode).toBe(409);
      expect(duplicate.json().error.code).toBe('conflict');

      const invalid = await inject('POST', '/organizations', admin, { name: 'Bad', slug: 'Not A Slug' });
      expect(invalid.statusCode).toBe(400);
      expect(invalid.json().error).toMatchObject({ code: 'validation_error', details: [expect.objectContaining({ path: 'body.slug' })] });

      const unknownField = await inject('POST', '/organizations', admin, { name: 'X', plan: 'gold' });
      expect(unknownField.statusCode).toBe(400);
      const all = await inject('GET', '/organizations?limit=100', admin);
      expect(all.json().items.filter((item: { name: string }) => item.name === 'Other' || item.name === 'Bad' || item.name === 'X')).toEqual([]);
    });

    it('answers 404 for an organization that does not exist', async () => {
      const missing = await inject('GET', '/organizations/00000000-0000-4000-8000-000000000000', admin);
      expect(missing.statusCode).toBe(404);
      expect(missing.json().error.code).toBe('not_found');
    });

    it('deletes an organization only once it has no workspaces', async () => {
      const organization = (await inject('POST', '/organizations', admin, { name: 'Short lived' })).json();
      const workspace = (await inject('POST', `/organizations/${organization.id}/workspaces`, admin, { name: 'Only' })).json();
      const refused = await inject('DELETE', `/organizations/${organization.id}`, admin);
      expect(refused.statusCode).toBe(409);
      expect((await inject('DELETE', `/workspaces/${workspace.id}?confirm=only`, admin)).statusCode).toBe(204);
      const deleted = await inject('DELETE', `/organizations/${organization.id}`, admin);
      expect(deleted.statusCode).toBe(204);
      expect(deleted.body).toBe('');
      expect((await inject('GET', `/organizations/${organization.id}`, admin)).statusCode).toBe(404);
    });
  });

  describe('workspaces', () => {
    it("creates workspaces in an organization and pages through them with a cursor", async () => {
      const organization = (await inject('POST', '/organizations', admin, { name: 'Paged' })).json();
      const created = [];
      for (const name of ['One', 'Two', 'Three']) {
        const response = await inject('POST', `/organizations/${organization.id}/workspaces`, admin, { name, settings: { tier: name } });
        expect(response.statusCode).toBe(201);
        created.push(response.json());
      }
      expect(created[0]).toMatchObject({ organizationId: organization.id, slug: 'one', settings: { tier: 'One' } });
      expect(created[0].graphGroup).toMatch(/^ws_[0-9a-f]{32}$/);

      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = cursor ? `limit=2&cursor=${encodeURIComponent(cursor)}` : 'limit=2';
        const page = await inject('GET', `/organizations/${organization.id}/workspaces?${query}`, admin);
        expect(page.statusCode).toBe(200);
        const body = page.json();
        expect(body.items.length).toBeLessThanOrEqual(2);
        seen.push(...body.items.map((item: { id: string }) => item.id));
        cursor = body.nextCursor;
        pages += 1;
      } while (cursor);
      expect(pages).toBe(2);
      expect(seen).toEqual(created.map((workspace) => workspace.id));
    });

    it('bounds the page size and refuses a forged cursor', async () => {
      const organization = (await inject('POST', '/organizations', admin, { name: 'Bounds' })).json();
      const tooMany = await inject('GET', `/organizations/${organization.id}/workspaces?limit=1000`, admin);
      expect(tooMany.statusCode).toBe(400);
      expect(tooMany.json().error.details[0].path).toBe('querystring.limit');
      const forged = await inject('GET', `/organizations/${organization.id}/workspaces?cursor=bm90LWEtY3Vyc29y`, admin);
      expect(forged.statusCode).toBe(400);
      expect(forged.json().error.code).toBe('validation_error');
    });

    it('reads and updates a workspace with its own keys, by scope', async () => {
      const workspace = await createWorkspaceWithKey(api.database);
      const id = workspace.context.workspaceId;
      const searchKey = await workspace.keyFor(['search']);

      const read = await inject('GET', `/workspaces/${id}`, bearer(searchKey));
      expect(read.statusCode).toBe(200);
      expect(read.json()).toMatchObject({ id, organizationId: workspace.context.organizationId });

      const refused = await inject('PATCH', `/workspaces/${id}`, bearer(searchKey), { name: 'Renamed' });
      expect(refused.statusCode).toBe(403);
      expect(refused.json().error).toMatchObject({ code: 'insufficient_scope', details: { required: ['admin'], granted: ['search'] } });

      const updated = await inject('PATCH', `/workspaces/${id}`, bearer(workspace.adminSecret), { name: 'Renamed', settings: { a: 1 } });
      expect(updated.statusCode).toBe(200);
      expect(updated.json()).toMatchObject({ name: 'Renamed', settings: { a: 1 } });
    });

    it('deletes a workspace only with admin scope and the right confirmation, and its keys stop working', async () => {
      const workspace = await createWorkspaceWithKey(api.database);
      const id = workspace.context.workspaceId;
      const slug = (await inject('GET', `/workspaces/${id}`, bearer(workspace.adminSecret))).json().slug;

      const unconfirmed = await inject('DELETE', `/workspaces/${id}`, bearer(workspace.adminSecret));
      expect(unconfirmed.statusCode).toBe(400);
      expect(unconfirmed.json().error.details[0].path).toBe('querystring.confirm');

      const wrong = await inject('DELETE', `/workspaces/${id}?confirm=not-${slug}`, bearer(workspace.adminSecret));
      expect(wrong.statusCode).toBe(422);
      expect(wrong.json().error.code).toBe('confirmation_mismatch');
      expect((await inject('GET', `/workspaces/${id}`, bearer(workspace.adminSecret))).statusCode).toBe(200);

      const chatKey = await workspace.keyFor(['chat', 'search', 'documents:write']);
      expect((await inject('DELETE', `/workspaces/${id}?confirm=${slug}`, bearer(chatKey))).statusCode).toBe(403);

      const deleted = await inject('DELETE', `/workspaces/${id}?confirm=${slug}`, bearer(workspace.adminSecret));
      expect(deleted.statusCode).toBe(204);
      expect((await inject('GET', `/workspaces/${id}`, bearer(workspace.adminSecret))).statusCode).toBe(401);
      expect((await inject('GET', `/workspaces/${id}`, admin)).statusCode).toBe(404);
    });
  });

  describe('agents', () => {
    it('creates, lists, reads by id and slug, updates and deletes agents', async () => {
      const workspace = await createWorkspaceWithKey(api.database);
      const base = `/workspaces/${workspace.context.workspaceId}/agents`;
      const key = bearer(workspace.adminSecret);

      const created = await inject('POST', base, key, {
        name: 'Billing helper',
        systemPrompt: 'Answer billing questions.',
        temperature: 0.2,
        enabledTools: ['hybrid_search'],
        maxToolRounds: 2,
      });
      expect(created.statusCode).toBe(201);
      const agent = created.json();
      expect(agent).toMatchObject({ slug: 'billing-helper', temperature: 0.2, enabledTools: ['hybrid_search'], isDefault: false });

      const duplicate = await inject('POST', base, key, { name: 'Billing helper' });
      expect(duplicate.statusCode).toBe(409);

      const invalid = await inject('POST', base, key, { name: 'Hot', temperature: 5 });
      expect(invalid.statusCode).toBe(400);

      const chatKey = bearer(await workspace.keyFor(['chat']));
      const listed = await inject('GET', `${base}?limit=1`, chatKey);
      expect(listed.statusCode).toBe(200);
      expect(listed.json().items).toHaveLength(1);
      expect(listed.json().nextCursor).toEqual(expect.any(String));
      const second = await inject('GET', `${base}?limit=1&cursor=${listed.json().nextCursor}`, chatKey);
      expect(second.json().items[0].id).toBe(agent.id);

      expect((await inject('GET', `${base}/${agent.id}`, chatKey)).json()).toEqual(agent);
      expect((await inject('GET', `${base}/billing-helper`, chatKey)).json().id).toBe(agent.id);
      expect((await inject('PATCH', `${base}/${agent.id}`, chatKey, { name: 'No' })).statusCode).toBe(403);

      const updated = await inject('PATCH', `${base}/${agent.id}`, key, { model: 'gpt-test', maxToolRounds: 3 });
      expect(updated.statusCode).toBe(200);
      expect(updated.json()).toMatchObject({ model: 'gpt-test', maxToolRounds: 3, name: 'Billing helper' });

      expect((await inject('DELETE', `${base}/${agent.id}`, key)).statusCode).toBe(204);
      const gone = await inject('GET', `${base}/${agent.id}`, key);
      expect(gone.statusCode).toBe(404);
      expect(gone.json().error.code).toBe('not_found');
    });
  });

  describe('workspace API keys', () => {
    it('shows the secret only in the POST response and never lists it', async () => {
      const workspace = await createWorkspaceWithKey(api.database);
      const base = `/workspaces/${workspace.context.workspaceId}/api-keys`;
      const key = bearer(workspace.adminSecret);

      const created = await inject('POST', base, key, { name: 'ci', scopes: ['search'] });
      expect(created.statusCode).toBe(201);
      const { apiKey, secret } = created.json();
      expect(secret).toMatch(/^rsk_[a-z0-9]{12}_/);
      expect(apiKey).toMatchObject({ name: 'ci', scopes: ['search'], revokedAt: null });
      expect(apiKey).not.toHaveProperty('secret');
      expect(apiKey).not.toHaveProperty('secretHash');

      const listed = await inject('GET', base, key);
      expect(listed.statusCode).toBe(200);
      expect(listed.body).not.toContain(secret.slice(apiKey.prefix.length + 1));
      expect(listed.json().items.map((item: { id: string }) => item.id)).toContain(apiKey.id);

      expect((await inject('GET', `/workspaces/${workspace.context.workspaceId}`, bearer(secret))).statusCode).toBe(200);
      const revoked = await inject('DELETE', `${base}/${apiKey.prefix}`, key);
      expect(revoked.statusCode).toBe(200);
      expect(revoked.json().revokedAt).toEqual(expect.any(String));
      expect((await inject('GET', `/workspaces/${workspace.context.workspaceId}`, bearer(secret))).statusCode).toBe(401);
    });

    it('refuses unknown scopes and past expiry dates', async () => {
      const workspace = await createWorkspaceWithKey(api.database);
      const base = `/workspaces/${workspace.context.workspaceId}/api-keys`;
      const key = bearer(workspace.adminSecret);
      expect((await inject('POST', base, key, { scopes: ['root'] })).statusCode).toBe(400);
      expect((await inject('POST', base, key, { expiresAt: '2001-01-01T00:00:00Z' })).statusCode).toBe(400);
      const missing = await inject('DELETE', `${base}/00000000-0000-4000-8000-000000000000`, key);
      expect(missing.statusCode).toBe(404);
    });
  });

  describe('organization admin keys', () => {
    it('are created by the platform admin only, listed and revoked by the organization', async () => {
      const organization = (await inject('POST', '/organizations', admin, { name: 'Keyed' })).json();
      const base = `/organizations/${organization.id}/api-keys`;
      const created = await inject('POST', base, admin, { name: 'ops' });
      expect(created.statusCode).toBe(201);
      const { apiKey, secret } = created.json();
      expect(secret).toMatch(/^rso_[a-z0-9]{12}_/);

      const escalation = await inject('POST', base, bearer(secret), { name: 'another' });
      expect(escalation.statusCode).toBe(403);
      expect(escalation.json().error.code).toBe('forbidden');

      const listed = await inject('GET', base, bearer(secret));
      expect(listed.statusCode).toBe(200);
      expect(listed.json().items).toEqual([expect.objectContaining({ id: apiKey.id, revokedAt: null })]);
      expect(listed.body).not.toContain(secret);

      const revoked = await inject('DELETE', `${base}/${apiKey.id}`, bearer(secret));
      expect(revoked.statusCode).toBe(200);
      expect((await inject('GET', `/organizations/${organization.id}`, bearer(secret))).statusCode).toBe(401);
    });

    it('administer every workspace of their organization', async () => {
      const workspace = await createWorkspaceWithKey(api.database);
      const organizationKey = bearer(await createOrganizationKey(api.database, workspace.context.organizationId));
      const id = workspace.context.workspaceId;

      expect((await inject('GET', `/organizations/${workspace.context.organizationId}`, organizationKey)).statusCode).toBe(200);
      const created = await inject('POST', `/organizations/${workspace.context.organizationId}/workspaces`, organizationKey, { name: 'Second' });
      expect(created.statusCode).toBe(201);
      expect((await inject('PATCH', `/workspaces/${id}`, organizationKey, { name: 'By org admin' })).json().name).toBe('By org admin');
      expect((await inject('POST', `/workspaces/${id}/agents`, organizationKey, { name: 'Org agent' })).statusCode).toBe(201);
      const minted = await inject('POST', `/workspaces/${id}/api-keys`, organizationKey, { scopes: ['chat'] });
      expect(minted.statusCode).toBe(201);
      expect((await inject('GET', `/workspaces/${id}/agents`, bearer(minted.json().secret))).statusCode).toBe(200);
      expect((await inject('POST', '/organizations', organizationKey, { name: 'Nope' })).statusCode).toBe(403);
      expect((await inject('GET', '/organizations', organizationKey)).statusCode).toBe(403);
    });
  });
});
