// The audit table's own wall: control-plane data under forced RLS, to which a tenant transaction
// may append events of its own workspace (and organization) only, and which it can never read,
// change or delete.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { withWorkspace } from '../../src/db/workspace-scope.ts';
import { cliOperator, listAuditEventsPage, recordAuditEvent } from '../../src/tenancy/audit.ts';
import type { WorkspaceContext } from '../../src/tenancy/workspace-context.ts';
import { createTestDatabase, createTestTenant } from '../helpers/database.ts';

describe('audit_events', () => {
  let database: Database;
  let tenantA: WorkspaceContext;
  let tenantB: WorkspaceContext;
  const count = async () => (await database.query<{ count: number }>('SELECT count(*)::int AS count FROM audit_events')).rows[0]!.count;

  beforeAll(async () => {
    database = await createTestDatabase();
    tenantA = await createTestTenant(database);
    tenantB = await createTestTenant(database);
  });
  afterAll(() => database.close());

  it('is under forced row-level security', async () => {
    const { rows } = await database.query<{ enabled: boolean; forced: boolean }>(
      "SELECT relrowsecurity AS enabled, relforcerowsecurity AS forced FROM pg_class WHERE relname = 'audit_events'",
    );
    expect(rows).toEqual([{ enabled: true, forced: true }]);
  });

  it("lets a tenant transaction append its own workspace's events, naming its own organization", async () => {
    const before = await count();
    await withWorkspace(database, tenantA, (transaction) =>
      recordAuditEvent(transaction, cliOperator, { action: 'api_key.created', workspaceId: tenantA.workspaceId, target: { type: 'api_key', id: 'k1' } }),
    );
    expect(await count()).toBe(before + 1);
    const page = await listAuditEventsPage(database, tenantA.organizationId, {}, { limit: 10 });
    expect(page.items).toEqual([expect.objectContaining({ organizationId: tenantA.organizationId, workspaceId: tenantA.workspaceId, targetId: 'k1' })]);
  });

  it("refuses a tenant transaction's event for another workspace or organization, and any read, change or delete", async () => {
    const before = await count();
    const attempts: Array<[string, (transaction: Parameters<Parameters<typeof withWorkspace>[2]>[0]) => Promise<unknown>]> = [
      ['another workspace', (transaction) => recordAuditEvent(transaction, cliOperator, { action: 'api_key.created', workspaceId: tenantB.workspaceId })],
      ['another organization', (transaction) => recordAuditEvent(transaction, cliOperator, { action: 'api_key.created', workspaceId: tenantA.workspaceId, organizationId: tenantB.organizationId })],
      ['no workspace', (transaction) => recordAuditEvent(transaction, cliOperator, { action: 'plan.updated', organizationId: tenantA.organizationId })],
      ['read', (transaction) => transaction.query('SELECT * FROM audit_events')],
      ['update', (transaction) => transaction.query("UPDATE audit_events SET outcome = 'failure'")],
      ['delete', (transaction) => transaction.query('DELETE FROM audit_events')],
    ];
    for (const [what, attempt] of attempts) {
      await expect(withWorkspace(database, tenantA, attempt), what).rejects.toThrow(/row-level security|permission denied/);
    }
    expect(await count()).toBe(before);
  });
});
