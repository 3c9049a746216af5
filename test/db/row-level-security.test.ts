import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { withWorkspace } from '../../src/db/workspace-scope.ts';
import type { WorkspaceContext } from '../../src/tenancy/workspace-context.ts';
import { createTestDatabase, createTestTenant } from '../helpers/database.ts';

async function insertDocument(database: Database, tenant: WorkspaceContext, source: string): Promise<string> {
  return withWorkspace(database, tenant, async (transaction) => {
    const { rows } = await transaction.query<{ id: string }>(
      `INSERT INTO documents (workspace_id, source, title, content_type, content_hash)
       VALUES ($1, $2, $2, 'text/plain', 'hash') RETURNING id`,
      [tenant.workspaceId, source],
    );
    return rows[0]!.id;
  });
}

describe('row-level security', () => {
  let database: Database;
  let tenantA: WorkspaceContext;
  let tenantB: WorkspaceContext;
  let documentOfB: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    tenantA = await createTestTenant(database);
    tenantB = await createTestTenant(database);
    await insertDocument(database, tenantA, 'a.md');
    documentOfB = await insertDocument(database, tenantB, 'b.md');
  });
  afterAll(() => database.close());

  it('shows workspace A only its own rows, even without a workspace filter', async () => {
    const sources = await withWorkspace(database, tenantA, async (transaction) => {
      const { rows } = await transaction.query<{ source: string }>('SELECT source FROM documents');
      return rows.map((row) => row.source);
    });
    expect(sources).toEqual(['a.md']);
  });

  it('refuses to insert a row into workspace B while A is set', async () => {
    await expect(
      withWorkspace(database, tenantA, (transaction) =>
        transaction.query(
          `INSERT INTO documents (workspace_id, source, title, content_type, content_hash) VALUES ($1, 'x.md', 'x', 'text/plain', 'h')`,
          [tenantB.workspaceId],
        ),
      ),
    ).rejects.toThrow(/row-level security/);
  });

  it("cannot update or delete B's rows while A is set", async () => {
    const affected = await withWorkspace(database, tenantA, async (transaction) => {
      const updated = await transaction.query("UPDATE documents SET title = 'stolen' WHERE id = $1", [documentOfB]);
      const deleted = await transaction.query('DELETE FROM documents WHERE id = $1', [documentOfB]);
      return updated.rowCount + deleted.rowCount;
    });
    expect(affected).toBe(0);
    const title = await withWorkspace(database, tenantB, async (transaction) => {
      const { rows } = await transaction.query<{ title: string }>('SELECT title FROM documents WHERE id = $1', [documentOfB]);
      return rows[0]?.title;
    });
    expect(title).toBe('b.md');
  });

  it("cannot move A's row into B", async () => {
    await expect(
      withWorkspace(database, tenantA, (transaction) =>
        transaction.query('UPDATE documents SET workspace_id = $1 WHERE workspace_id = $2', [tenantB.workspaceId, tenantA.workspaceId]),
      ),
    ).rejects.toThrow(/row-level security|violates/);
  });

  it('returns nothing from tenant tables when no workspace is set', async () => {
    const counts = await database.transaction(async (transaction) => {
      await transaction.query('SET LOCAL ROLE ragspace_app');
      const documents = await transaction.query<{ count: number }>('SELECT count(*)::int AS count FROM documents');
      const keys = await transaction.query<{ count: number }>('SELECT count(*)::int AS count FROM api_keys');
      const workspaces = await transaction.query<{ count: number }>('SELECT count(*)::int AS count FROM workspaces');
      return [documents.rows[0]!.count, keys.rows[0]!.count, workspaces.rows[0]!.count];
    });
    expect(counts).toEqual([0, 0, 0]);
  });

  it('does not let the application role disable or bypass row-level security', async () => {
    await expect(
      withWorkspace(database, tenantA, (transaction) => transaction.query('ALTER TABLE documents DISABLE ROW LEVEL SECURITY')),
    ).rejects.toThrow(/must be owner/);
    await expect(
      withWorkspace(database, tenantA, (transaction) => transaction.query('ALTER TABLE documents NO FORCE ROW LEVEL SECURITY')),
    ).rejects.toThrow(/must be owner/);
    await expect(
      withWorkspace(database, tenantA, (transaction) => transaction.query('DROP POLICY workspace_isolation ON documents')),
    ).rejects.toThrow(/must be owner/);
    const { rows } = await database.query<{ rolbypassrls: boolean; rolsuper: boolean }>(
      "SELECT rolbypassrls, rolsuper FROM pg_roles WHERE rolname IN ('ragspace_app', 'ragspace_admin')",
    );
    expect(rows).toEqual([
      { rolbypassrls: false, rolsuper: false },
      { rolbypassrls: false, rolsuper: false },
    ]);
  });

  it('keeps every table with a workspace_id under forced RLS, with workspace_id leading its primary key', async () => {
    const { rows } = await database.query<{ table: string; enabled: boolean; forced: boolean; leading: string }>(
      `SELECT c.relname AS table, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
              (SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
               WHERE i.indrelid = c.oid AND i.indisprimary) AS leading
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind = 'r'
         AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'workspace_id' AND NOT a.attisdropped)
       ORDER BY c.relname`,
    );
    // The audit trail names the workspace an event concerns but belongs to none (organization and
    // platform events have no workspace): control-plane data, append-only for tenant transactions
    // (test/tenancy/audit.test.ts).
    const tenantTables = rows.filter((row) => row.table !== 'audit_events');
    expect(tenantTables.length).toBeGreaterThanOrEqual(7);
    for (const row of tenantTables) expect(row, row.table).toMatchObject({ enabled: true, forced: true, leading: 'workspace_id' });
  });

  it('keeps the workspace setting inside its transaction', async () => {
    await withWorkspace(database, tenantA, async () => undefined);
    const { rows } = await database.query<{ setting: string | null }>(
      "SELECT NULLIF(current_setting('ragspace.workspace_id', true), '') AS setting",
    );
    expect(rows[0]!.setting).toBeNull();
  });

  it('runs the transaction as ragspace_app with the workspace and the caller’s settings, all transaction-local', async () => {
    const inside = await withWorkspace(
      database,
      tenantA,
      async (transaction) =>
        (
          await transaction.query<{ role: string; workspace: string; efSearch: string }>(
            "SELECT current_user AS role, current_setting('ragspace.workspace_id') AS workspace, current_setting('hnsw.ef_search') AS \"efSearch\"",
          )
        ).rows[0],
      { 'hnsw.ef_search': '123' },
    );
    expect(inside).toEqual({ role: 'ragspace_app', workspace: tenantA.workspaceId, efSearch: '123' });
    const { rows } = await database.query<{ role: string; efSearch: string | null }>(
      "SELECT current_user AS role, current_setting('hnsw.ef_search', true) AS \"efSearch\"",
    );
    expect(rows[0]!.role).not.toBe('ragspace_app');
    expect(rows[0]!.efSearch).not.toBe('123');
    await expect(withWorkspace(database, tenantA, async () => undefined, { "x'; --": '1' })).rejects.toThrow(/not a setting name/);
  });
});
