// The monthly request quota charged from blocks, on both tiers: a block costs one counter
// transaction for many requests, the counter never passes the limit whatever the number of
// processes, exactly L of N requests succeed, unused units go back (on settle, when the block
// expires, across a month boundary, on close), and a refusal is not remembered past its waiters.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import type { WorkspaceContext } from '../../src/tenancy/workspace-context.ts';
import { readQuotaStatus } from '../../src/tenancy/quotas.ts';
import { createRequestQuotaBlocks, requestBlockSize, type RequestQuotaBlockOptions } from '../../src/tenancy/request-quota-blocks.ts';
import { createTestDatabase, createTestTenant } from '../helpers/database.ts';
import { errorOf } from '../helpers/injected-faults.ts';
import { countStatus, setLimitOverrides } from '../helpers/limits.ts';

describe('request quota blocks', () => {
  let database: Database;
  let transactions = 0;
  /** The test database, counting the transactions begun through it. */
  let counted: Database;
  let now = new Date('2027-03-10T12:00:00Z');
  const clock = () => now;

  beforeAll(async () => {
    database = await createTestDatabase();
    counted = {
      ...database,
      transaction: (work, opening) => {
        transactions += 1;
        return database.transaction(work, opening);
      },
    };
  });
  afterAll(() => database.close());

  const blocks = (options: Partial<RequestQuotaBlockOptions> = {}) => createRequestQuotaBlocks(counted, { clock, logger: pino({ level: 'silent' }), ...options });

  async function tenantWith(requestsPerMonth: number | null): Promise<WorkspaceContext> {
    const tenant = await createTestTenant(database);
    await setLimitOverrides(database, tenant.workspaceId, { requestsPerMonth });
    return tenant;
  }

  /** The month's counter as every process reads it. */
  async function used(tenant: WorkspaceContext, at = now): Promise<number> {
    const status = await readQuotaStatus(database, tenant, at);
    return status.find((entry) => entry.quota === 'requestsPerMonth')!.used!;
  }

  /** Charges `count` requests at once; the statuses an API would answer (200 or the refusal's). */
  async function chargeAll(quota: ReturnType<typeof blocks>, tenant: WorkspaceContext, count: number): Promise<number[]> {
    return Promise.all(
      Array.from({ length: count }, () =>
        quota.charge(tenant.workspaceId).then(
          () => 200,
          (error: { statusCode?: number }) => error.statusCode ?? 500,
        ),
      ),
    );
  }

  it('sizes a block at a sixteenth of what is left, one when unknown or nearly used up, the maximum when unlimited', () => {
    expect(requestBlockSize(undefined, 64)).toBe(1);
    expect(requestBlockSize(null, 64)).toBe(64);
    expect(requestBlockSize(100_000, 64)).toBe(64);
    expect(requestBlockSize(320, 64)).toBe(20);
    expect(requestBlockSize(31, 64)).toBe(1);
    expect(requestBlockSize(0, 64)).toBe(1);
  });

  it('counts many requests with few transactions, and settle() leaves the counter at exactly the requests served', async () => {
    const tenant = await tenantWith(null);
    const quota = blocks({ lifetimeMs: 60_000 });
    transactions = 0;
    for (let index = 0; index < 500; index += 1) await quota.charge(tenant.workspaceId);
    // One request to learn what is left, then blocks of 64: 1 + ceil(499 / 64) = 9 reservations.
    expect(transactions).toBe(9);
    // Reserved, not all used yet.
    expect(await used(tenant)).toBe(1 + 8 * 64);
    await quota.settle(tenant.workspaceId);
    expect(await used(tenant)).toBe(500);
    await quota.close();
  });

  it('with L left and N > L requests at once in two processes, exactly L succeed and the counter stops at L', async () => {
    const allowed = 300;
    const tenant = await tenantWith(allowed);
    const first = blocks({ lifetimeMs: 60_000 });
    const second = blocks({ lifetimeMs: 60_000 });
    const statuses = (await Promise.all([chargeAll(first, tenant, 250), chargeAll(second, tenant, 250)])).flat();
    expect(countStatus(statuses, 200)).toBe(allowed);
    expect(countStatus(statuses, 429)).toBe(500 - allowed);
    expect(await used(tenant)).toBe(allowed);
    await Promise.all([first.close(), second.close()]);
    expect(await used(tenant)).toBe(allowed);
  });

  it('refuses with the quota details, and asks the database again for the next request', async () => {
    const tenant = await tenantWith(2);
    const quota = blocks();
    await quota.charge(tenant.workspaceId);
    await quota.charge(tenant.workspaceId);
    const refusal = await errorOf(quota.charge(tenant.workspaceId));
    expect(refusal).toMatchObject({ code: 'quota_exceeded', statusCode: 429 });
    expect(refusal.details).toEqual({ quota: 'requestsPerMonth', limit: 2, used: 2, resetsAt: '2027-04-01T00:00:00.000Z' });
    // The operator raises the limit elsewhere: the next request is served.
    await setLimitOverrides(database, tenant.workspaceId, { requestsPerMonth: 3 });
    await quota.charge(tenant.workspaceId);
    expect(await used(tenant)).toBe(3);
    await quota.close();
  });

  it("gives an idle block's unused units back when it expires, without being asked", async () => {
    const tenant = await tenantWith(null);
    const quota = blocks({ lifetimeMs: 50 });
    for (let index = 0; index < 10; index += 1) await quota.charge(tenant.workspaceId);
    await expect.poll(() => used(tenant), { timeout: 30_000, interval: 50 }).toBe(10);
    await quota.close();
  });

  it("a new month starts from zero and the old month's counter keeps only the requests it served", async () => {
    const january = new Date('2027-01-31T23:59:00Z');
    now = january;
    const tenant = await tenantWith(null);
    const quota = blocks({ lifetimeMs: 60_000 });
    for (let index = 0; index < 7; index += 1) await quota.charge(tenant.workspaceId);
    now = new Date('2027-02-01T00:00:00Z');
    await quota.charge(tenant.workspaceId);
    expect(await used(tenant, january)).toBe(7);
    await quota.close();
    expect(await used(tenant)).toBe(1);
    now = new Date('2027-03-10T12:00:00Z');
  });
});
