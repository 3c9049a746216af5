// Plans: seeded, one default, and a workspace's limits are its organization's plan with the
// workspace's own overrides on top.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { withControlPlane } from '../../src/db/workspace-scope.ts';
import { applyOverrides, getEffectiveLimits, limitNames, listPlans } from '../../src/tenancy/plans.ts';
import { createTestDatabase, createTestTenant } from '../helpers/database.ts';

describe('plans and effective limits', () => {
  let database: Database;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.close());

  it('seeds free, starter, pro and enterprise, with free as the default', async () => {
    const plans = await listPlans(database);
    expect(plans.map((plan) => plan.id)).toEqual(['enterprise', 'free', 'pro', 'starter']);
    expect(plans.filter((plan) => plan.isDefault).map((plan) => plan.id)).toEqual(['free']);
    for (const plan of plans) expect(Object.keys(plan.limits).sort()).toEqual([...limitNames].sort());
    const free = plans.find((plan) => plan.id === 'free')!;
    expect(free.limits).toMatchObject({ requestsPerMinute: 60, documents: 100, concurrentIngestionJobs: 1 });
  });

  it("gives a new organization's workspace the default plan, then applies the workspace's overrides", async () => {
    const tenant = await createTestTenant(database);
    const before = await getEffectiveLimits(database, tenant.workspaceId);
    expect(before).toMatchObject({ planId: 'free', organizationStatus: 'active', workspaceStatus: 'active', overrides: {} });
    expect(before.limits.documents).toBe(100);

    await withControlPlane(database, (transaction) =>
      transaction.query(`UPDATE workspaces SET limit_overrides = '{"documents": 5, "agents": null}' WHERE id = $1`, [tenant.workspaceId]),
    );
    const after = await getEffectiveLimits(database, tenant.workspaceId);
    expect(after.limits).toEqual({ ...before.limits, documents: 5, agents: null });
    expect(after.overrides).toEqual({ documents: 5, agents: null });
  });

  it('treats an override of null as unlimited and an absent one as the plan value', () => {
    const plan = Object.fromEntries(limitNames.map((name) => [name, 10])) as Record<(typeof limitNames)[number], number>;
    const merged = applyOverrides(plan, { apiKeys: null, storageBytes: 7 });
    expect(merged.apiKeys).toBeNull();
    expect(merged.storageBytes).toBe(7);
    expect(merged.documents).toBe(10);
  });
});
