// Quota accounting in the database, on both tiers: the limit SQL sees is the limit TypeScript
// computes, period counters roll over on their boundaries, resource gauges stay equal to a recount
// whatever writes the rows, and refusals change nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { withControlPlane, withWorkspace } from '../../src/db/workspace-scope.ts';
import { deleteAllDocuments, deleteDocument, ingestDocument } from '../../src/ingestion/documents.ts';
import { createLocalEmbedder } from '../../src/ingestion/embedders/local-embedder.ts';
import { createAgent, deleteAgent } from '../../src/tenancy/agents.ts';
import { createApiKey, revokeApiKey } from '../../src/tenancy/api-keys.ts';
import { getEffectiveLimits } from '../../src/tenancy/plans.ts';
import { consumePeriodQuota, periodOf, readQuotaStatus, settleConsumption, type PeriodQuota } from '../../src/tenancy/quotas.ts';
import type { WorkspaceContext } from '../../src/tenancy/workspace-context.ts';
import { deleteWorkspace } from '../../src/tenancy/workspaces.ts';
import { RagspaceError } from '../../src/errors.ts';
import { createTestDatabase, createTestTenant } from '../helpers/database.ts';
import { setLimitOverrides } from '../helpers/limits.ts';

const embedder = createLocalEmbedder({ dimensions: 32 });

describe('quota accounting', () => {
  let database: Database;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.close());

  const consume = (context: WorkspaceContext, quota: PeriodQuota, amount: number, now: Date) =>
    withWorkspace(database, context, (transaction) => consumePeriodQuota(transaction, context.workspaceId, quota, amount, now));

  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('expected a refusal');
      },
      (error: unknown) => {
        if (!(error instanceof RagspaceError)) throw error;
        return { code: error.code, status: error.statusCode, details: error.details };
      },
    );

  it('limits seen by SQL are the plan merged with the overrides, exactly as getEffectiveLimits computes them', async () => {
    const tenant = await createTestTenant(database);
    // Starter plan, one limit missing from the stored plan (unlimited), overrides with a value and with null.
    await withControlPlane(database, async (transaction) => {
      await transaction.query("UPDATE organizations SET plan_id = 'starter' WHERE id = $1", [tenant.organizationId]);
      await transaction.query("UPDATE plans SET limits = limits - 'agents' WHERE id = 'starter'");
    });
    await setLimitOverrides(database, tenant.workspaceId, { documents: 7, storageBytes: null, chatMessagesPerDay: 0 });
    const expected = (await getEffectiveLimits(database, tenant.workspaceId)).limits;
    const status = await readQuotaStatus(database, tenant, new Date());
    expect(Object.fromEntries(status.map((entry) => [entry.quota, entry.limit]))).toEqual(expected);
    expect(expected).toMatchObject({ documents: 7, storageBytes: null, chatMessagesPerDay: 0, agents: null, apiKeys: 20 });
    await withControlPlane(database, (transaction) =>
      transaction.query(`UPDATE plans SET limits = limits || '{"agents": 5}'::jsonb WHERE id = 'starter'`),
    );
  });

  it('puts each period in its UTC month or day, across month, year and leap-day boundaries', () => {
    expect(periodOf('requestsPerMonth', new Date('2028-02-29T23:59:59.999Z'))).toEqual({
      start: new Date('2028-02-01T00:00:00Z'),
      end: new Date('2028-03-01T00:00:00Z'),
    });
    expect(periodOf('llmTokensPerMonth', new Date('2027-12-31T23:00:00Z')).end).toEqual(new Date('2028-01-01T00:00:00Z'));
    expect(periodOf('chatMessagesPerDay', new Date('2027-12-31T23:59:59Z'))).toEqual({
      start: new Date('2027-12-31T00:00:00Z'),
      end: new Date('2028-01-01T00:00:00Z'),
    });
  });

  it('rolls a counter over at its boundary with no job, and a refusal changes nothing', async () => {
    const tenant = await createTestTenant(database);
    await setLimitOverrides(database, tenant.workspaceId, { chatMessagesPerDay: 2, requestsPerMonth: 3 });
    const lastMinute = new Date('2027-12-31T23:59:00Z');
    await consume(tenant, 'chatMessagesPerDay', 1, lastMinute);
    await consume(tenant, 'chatMessagesPerDay', 1, lastMinute);
    expect(await refusal(consume(tenant, 'chatMessagesPerDay', 1, lastMinute))).toEqual({
      code: 'quota_exceeded',
      status: 429,
      details: { quota: 'chatMessagesPerDay', limit: 2, used: 2, resetsAt: '2028-01-01T00:00:00.000Z' },
    });
    // An amount larger than what is left is refused whole, even in a fresh period.
    expect(await refusal(consume(tenant, 'requestsPerMonth', 4, lastMinute))).toMatchObject({ details: { used: 0, limit: 3 } });

    const newYear = new Date('2028-01-01T00:00:00Z');
    await consume(tenant, 'chatMessagesPerDay', 2, newYear);
    const status = await readQuotaStatus(database, tenant, newYear);
    expect(status.find((entry) => entry.quota === 'chatMessagesPerDay')).toEqual({
      quota: 'chatMessagesPerDay',
      limit: 2,
      used: 2,
      left: 0,
      resetsAt: '2028-01-02T00:00:00.000Z',
    });
    expect(status.find((entry) => entry.quota === 'requestsPerMonth')).toMatchObject({ used: 0, left: 3 });
    // The old day's counter is history, untouched.
    expect((await readQuotaStatus(database, tenant, lastMinute)).find((entry) => entry.quota === 'chatMessagesPerDay')!.used).toBe(2);
  });

  it('settles a reservation to what was used, in the period that was charged', async () => {
    const tenant = await createTestTenant(database);
    const charged = new Date('2027-06-30T23:59:00Z');
    const reservation = await consume(tenant, 'llmTokensPerMonth', 100, charged);
    await withWorkspace(database, tenant, (transaction) => settleConsumption(transaction, tenant.workspaceId, reservation, 340));
    const june = await readQuotaStatus(database, tenant, charged);
    expect(june.find((entry) => entry.quota === 'llmTokensPerMonth')!.used).toBe(340);
    const july = await readQuotaStatus(database, tenant, new Date('2027-07-01T00:00:00Z'));
    expect(july.find((entry) => entry.quota === 'llmTokensPerMonth')!.used).toBe(0);
  });

  it('keeps the resource gauges equal to a recount through stores, replacements, deletions and revocations', async () => {
    const tenant = await createTestTenant(database);
    const dependencies = { database, embedder };
    const recount = () =>
      withWorkspace(database, tenant, async (transaction) => {
        const { rows } = await transaction.query<Record<string, unknown>>(
          `SELECT (SELECT count(*) FROM documents WHERE workspace_id = $1) AS documents,
                  (SELECT coalesce(sum(octet_length(content)), 0) FROM chunks WHERE workspace_id = $1) AS "storageBytes",
                  (SELECT count(*) FROM agents WHERE workspace_id = $1) AS agents,
                  (SELECT count(*) FROM api_keys WHERE workspace_id = $1 AND revoked_at IS NULL) AS "apiKeys"`,
          [tenant.workspaceId],
        );
        return Object.fromEntries(Object.entries(rows[0]!).map(([name, value]) => [name, Number(value)]));
      });
    const gauges = async () => {
      const status = await readQuotaStatus(database, tenant, new Date());
      return Object.fromEntries(
        ['documents', 'storageBytes', 'agents', 'apiKeys'].map((name) => [name, status.find((entry) => entry.quota === name)!.used]),
      );
    };

    const first = await ingestDocument(dependencies, tenant, { source: 'a.md', content: '# A\n\nAlpha ünïcode text about lockers.' });
    await ingestDocument(dependencies, tenant, { source: 'b.md', content: '# B\n\nBravo text.\n\n## More\n\nA second section about the canteen.' });
    expect(await gauges()).toEqual(await recount());
    await ingestDocument(dependencies, tenant, { source: 'a.md', content: '# A\n\nAlpha, replaced by a longer text about lockers and keys.' });
    const agent = await createAgent(database, tenant, { name: 'Second' });
    const { apiKey } = await createApiKey(database, 'pepper-for-gauge-tests-0123456789abcdef', tenant, { scopes: ['chat'] });
    expect(await gauges()).toEqual(await recount());
    expect((await gauges()).documents).toBe(2);

    await deleteDocument(dependencies, tenant, first.document.id);
    await deleteAgent(database, tenant, agent.id);
    await revokeApiKey(database, tenant, apiKey.id);
    expect(await gauges()).toEqual(await recount());
    await deleteAllDocuments(dependencies, tenant);
    expect(await gauges()).toEqual({ documents: 0, storageBytes: 0, agents: 1, apiKeys: 0 });

    // The control plane's cascade runs the same triggers without tripping over them.
    await deleteWorkspace(database, tenant.workspaceId);
  });
});
