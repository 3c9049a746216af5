// Self-service sign-up: off unless RAGSPACE_SIGNUP=open; then an organization on the default plan,
// its first workspace and an organization admin key shown once; bad slugs refused and nothing
// written; attempts limited per client address.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminKey, bearer, createTestApi, type TestApi } from './helpers.ts';

const signup = (api: TestApi, payload: unknown, remoteAddress = '198.51.100.1') =>
  api.app.inject({ method: 'POST', url: '/signup', payload: payload as object, remoteAddress });

describe('sign-up', () => {
  let api: TestApi;
  const organizations = async () => (await api.database.query<{ count: number }>('SELECT count(*)::int AS count FROM organizations')).rows[0]!.count;

  beforeAll(async () => {
    api = await createTestApi({ rateLimit: true, environment: { RAGSPACE_SIGNUP: 'open', RAGSPACE_SIGNUPS_PER_HOUR: '3' } });
  });
  afterAll(() => api.close());

  it('does not exist unless RAGSPACE_SIGNUP=open', async () => {
    const closed = await createTestApi({ database: api.database });
    try {
      const response = await signup(closed, { organizationName: 'Nope', slug: 'nope', contactEmail: 'a@nope.example' });
      expect(response.statusCode).toBe(404);
      expect(response.json().error.code).toBe('route_not_found');
      const spec = (await closed.app.inject({ method: 'GET', url: '/openapi.json' })).json();
      expect(Object.keys(spec.paths)).not.toContain('/signup');
    } finally {
      await closed.app.close();
    }
  });

  describe('open', () => {
    it('creates an organization on the default plan, its first workspace and an admin key shown once', async () => {
      const response = await signup(api, { organizationName: 'Initech', slug: 'initech', contactEmail: 'peter@initech.example' }, '198.51.100.10');
      expect(response.statusCode).toBe(201);
      const body = response.json();
      expect(body.organization).toMatchObject({ slug: 'initech', name: 'Initech', planId: 'free', contactEmail: 'peter@initech.example', status: 'active' });
      expect(body.workspace).toMatchObject({ organizationId: body.organization.id, slug: 'default', status: 'active' });
      expect(body.apiKey).toMatchObject({ organizationId: body.organization.id, prefix: expect.stringMatching(/^rso_/) });
      expect(body.secret).toMatch(/^rso_[a-z0-9]{12}_/);

      // The key administers the new organization and nothing else.
      const own = await api.app.inject({ method: 'POST', url: `/workspaces/${body.workspace.id}/api-keys`, headers: bearer(body.secret), payload: { scopes: ['search'] } });
      expect(own.statusCode).toBe(201);
      expect((await api.app.inject({ method: 'GET', url: '/organizations', headers: bearer(body.secret) })).statusCode).toBe(403);
      const listed = await api.app.inject({ method: 'GET', url: `/organizations/${body.organization.id}/api-keys`, headers: bearer(body.secret) });
      expect(listed.body).not.toContain(body.secret);

      const trail = (await api.app.inject({ method: 'GET', url: `/organizations/${body.organization.id}/audit?action=signup.completed`, headers: bearer(adminKey) })).json();
      expect(trail.items).toEqual([
        expect.objectContaining({ principalKind: 'anonymous', clientAddress: '198.51.100.10', workspaceId: body.workspace.id, requestId: response.headers['x-request-id'] }),
      ]);
    });

    it('gives sign-ups whatever plan is the default', async () => {
      expect((await api.app.inject({ method: 'PATCH', url: '/plans/starter', headers: bearer(adminKey), payload: { isDefault: true } })).statusCode).toBe(200);
      try {
        const response = await signup(api, { organizationName: 'Hooli', slug: 'hooli', contactEmail: 'gavin@hooli.example' }, '198.51.100.11');
        expect(response.json().organization.planId).toBe('starter');
      } finally {
        await api.app.inject({ method: 'PATCH', url: '/plans/free', headers: bearer(adminKey), payload: { isDefault: true } });
      }
    });

    it('refuses bad slugs and addresses, and a taken slug with 409, writing nothing', async () => {
      await api.app.inject({ method: 'POST', url: '/organizations', headers: bearer(adminKey), payload: { name: 'Taken', slug: 'taken-by-admin' } });
      const cases: Array<[unknown, number, RegExp]> = [
        [{ organizationName: 'X', slug: 'Upper', contactEmail: 'x@x.example' }, 400, /slug: use 3-40 lower-case/],
        [{ organizationName: 'X', slug: 'ab', contactEmail: 'x@x.example' }, 400, /slug/],
        [{ organizationName: 'X', slug: 'a'.repeat(41), contactEmail: 'x@x.example' }, 400, /slug/],
        [{ organizationName: 'X', slug: '-dash', contactEmail: 'x@x.example' }, 400, /slug/],
        [{ organizationName: 'X', slug: 'admin', contactEmail: 'x@x.example' }, 400, /reserved/],
        [{ organizationName: 'X', slug: 'fine-slug', contactEmail: 'not an email' }, 400, /contactEmail/],
        [{ organizationName: '', slug: 'fine-slug', contactEmail: 'x@x.example' }, 400, /organizationName/],
        [{ organizationName: 'X', slug: 'fine-slug', contactEmail: 'x@x.example', plan: 'enterprise' }, 400, /plan/],
        [{ organizationName: 'X', slug: 'taken-by-admin', contactEmail: 'x@x.example' }, 409, /taken/],
        [{ organizationName: 'X', slug: 'initech', contactEmail: 'x@x.example' }, 409, /taken/],
      ];
      for (const [index, [payload, status, message]] of cases.entries()) {
        const before = await organizations();
        // A fresh address each time: the per-address limit is tested below.
        const response = await signup(api, payload, `203.0.113.${100 + index}`);
        expect(response.statusCode, JSON.stringify(payload)).toBe(status);
        expect(response.json().error.message).toMatch(message);
        expect(await organizations()).toBe(before);
      }
    });

    it('lets exactly one of many concurrent sign-ups claim a slug', async () => {
      const attempts = await Promise.all(
        Array.from({ length: 10 }, (_, index) => signup(api, { organizationName: `Race ${index}`, slug: 'race', contactEmail: `r${index}@race.example` }, `192.0.2.${index + 1}`)),
      );
      expect(attempts.filter((response) => response.statusCode === 201)).toHaveLength(1);
      expect(attempts.filter((response) => response.statusCode === 409)).toHaveLength(9);
      const { rows } = await api.database.query<{ count: number }>("SELECT count(*)::int AS count FROM workspaces w JOIN organizations o ON o.id = w.organization_id WHERE o.slug = 'race'");
      expect(rows[0]!.count).toBe(1);
    });

    it('limits attempts per client address, whatever their outcome', async () => {
      const address = '198.51.100.77';
      const statuses: number[] = [];
      for (const slug of ['limit-one', 'Bad Slug', 'limit-two']) {
        statuses.push((await signup(api, { organizationName: 'L', slug, contactEmail: 'l@l.example' }, address)).statusCode);
      }
      expect(statuses).toEqual([201, 400, 201]);
      const refused = await signup(api, { organizationName: 'L', slug: 'limit-three', contactEmail: 'l@l.example' }, address);
      expect(refused.statusCode).toBe(429);
      expect(refused.json().error).toMatchObject({ code: 'rate_limited', details: { limit: 'signup' } });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect((await signup(api, { organizationName: 'L', slug: 'limit-three', contactEmail: 'l@l.example' }, '198.51.100.78')).statusCode).toBe(201);
    });
  });
});
