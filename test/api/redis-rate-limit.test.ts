// With REDIS_URL, every server process increments the same counters: two real `ragspace serve`
// processes over one database enforce a workspace's requestsPerMinute once, not once each.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createApiKey } from '../../src/tenancy/api-keys.ts';
import { cliOperator } from '../../src/tenancy/audit.ts';
import { ensureFirstTenant } from '../../src/tenancy/bootstrap.ts';
import { resolveKeyPepper } from '../../src/tenancy/key-pepper.ts';
import { changeWorkspaceLimitOverrides } from '../../src/tenancy/plans.ts';
import { createCliEnvironment, type CliEnvironment } from '../helpers/cli-environment.ts';
import { createTestTenant } from '../helpers/database.ts';
import { startRedis, type TestRedis } from '../helpers/redis-server.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.ts';
import { onPglite } from '../helpers/test-tier.ts';
import { bearer, createTestApi, createWorkspaceWithKey } from './helpers.ts';

describe('rate limits shared through Redis', () => {
  let cli: CliEnvironment;
  let redis: TestRedis;
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    cli = await createCliEnvironment();
    redis = await startRedis();
    // The embedded first start would ingest the sample corpora; this deployment is set up already.
    if (onPglite) await ensureFirstTenant(cli.database, { planId: 'enterprise' });
    const environment = { ...cli.environment, REDIS_URL: redis.url };
    servers.push(await startServerProcess(environment));
    servers.push(await startServerProcess(environment));
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await redis?.stop();
    await cli?.close();
  });

  it('lets exactly the limit through across two server processes', async () => {
    const pepper = await resolveKeyPepper(loadConfig(cli.environment));
    const tenant = await createTestTenant(cli.database);
    await changeWorkspaceLimitOverrides(cli.database, tenant.workspaceId, { set: { requestsPerMinute: 5 } }, cliOperator);
    const { secret } = await createApiKey(cli.database, pepper, tenant, { scopes: ['search'] });

    const answers: Array<{ server: number; status: number; remaining: string | null; retryAfter: string | null }> = [];
    for (let request = 0; request < 8; request += 1) {
      const server = request % 2;
      const response = await fetch(`${servers[server]!.baseUrl}/workspaces/${tenant.workspaceId}`, { headers: { authorization: `Bearer ${secret}` } });
      answers.push({ server, status: response.status, remaining: response.headers.get('x-ratelimit-remaining'), retryAfter: response.headers.get('retry-after') });
      await response.arrayBuffer();
    }
    expect(answers.map((answer) => answer.status), JSON.stringify(answers)).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
    expect(answers.map((answer) => answer.remaining)).toEqual(['4', '3', '2', '1', '0', '0', '0', '0']);
    // Both processes refused once the shared counter was spent.
    expect(new Set(answers.filter((answer) => answer.status === 429).map((answer) => answer.server))).toEqual(new Set([0, 1]));
    for (const refused of answers.filter((answer) => answer.status === 429)) expect(Number(refused.retryAfter)).toBeGreaterThan(0);
  });

  it('shares the failed-authentication count of an address across processes too', async () => {
    const tenant = await createTestTenant(cli.database);
    const url = (server: number) => `${servers[server]!.baseUrl}/workspaces/${tenant.workspaceId}`;
    const statuses: number[] = [];
    // The default allows 30 failures a minute per address.
    for (let attempt = 0; attempt < 31; attempt += 1) {
      const response = await fetch(url(attempt % 2), { headers: { authorization: `Bearer rsk_000000000000_${'A'.repeat(43)}` } });
      statuses.push(response.status);
      await response.arrayBuffer();
    }
    expect(statuses.slice(0, 30).every((status) => status === 401)).toBe(true);
    expect(statuses[30]).toBe(429);
  });
});

describe('when Redis is unreachable', () => {
  it('refuses to start with a message naming REDIS_URL', async () => {
    const closedPort = await startRedis().then(async (redis) => {
      await redis.stop();
      return redis.url;
    });
    await expect(createTestApi({ rateLimit: true, environment: { REDIS_URL: closedPort } })).rejects.toThrow(/REDIS_URL: cannot reach Redis/);
  });

  it('serves requests uncounted once Redis goes away, and says so in the log', async () => {
    const redis = await startRedis();
    const api = await createTestApi({ rateLimit: true, environment: { REDIS_URL: redis.url } });
    try {
      const tenant = await createWorkspaceWithKey(api.database);
      const url = `/workspaces/${tenant.context.workspaceId}`;
      const counted = await api.app.inject({ method: 'GET', url, headers: bearer(tenant.adminSecret) });
      expect(counted.headers['x-ratelimit-remaining']).toBe('59');
      await redis.stop();
      const uncounted = await api.app.inject({ method: 'GET', url, headers: bearer(tenant.adminSecret) });
      expect(uncounted.statusCode).toBe(200);
      expect(uncounted.headers['x-ratelimit-remaining']).toBeUndefined();
      expect(api.logLines.join('\n')).toMatch(/rate-limit counter unavailable; requests are not counted/);
    } finally {
      await api.close();
    }
  });
});
