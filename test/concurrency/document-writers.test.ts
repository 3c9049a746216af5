// How many uploads one server process writes at once (RAGSPACE_DOCUMENT_WRITERS): the first
// upload's write transaction is held open after its document row is written, and a second upload
// either waits for a writer slot (counted in ragspace_document_writes_waiting) or writes beside it.
// On the real PostgreSQL only: PGlite runs one transaction at a time anyway, so there the held
// transaction would stop the second upload before it reaches the bound.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Database, Queryable } from '../../src/db/database.ts';
import { renderMetrics } from '../../src/observability/metrics.ts';
import { bearer, createTestApi, createWorkspaceWithKey, type TestApi } from '../api/helpers.ts';
import { createTestDatabase } from '../helpers/database.ts';
import { onPostgres } from '../helpers/test-tier.ts';

/** The database, with every transaction that writes a document row held open until `release()`. */
function holdingDocumentWrites(database: Database) {
  let open = 0;
  let most = 0;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const held: Database = {
    ...database,
    transaction: (work, opening) =>
      database.transaction(async (transaction) => {
        let writer = false;
        const watched: Queryable = {
          executeScript: (sql) => transaction.executeScript(sql),
          async query(sql, parameters) {
            const result = await transaction.query(sql, parameters);
            if (!writer && sql.includes('INSERT INTO documents')) {
              writer = true;
              open += 1;
              most = Math.max(most, open);
              await released;
            }
            return result as never;
          },
        };
        try {
          return await work(watched);
        } finally {
          if (writer) open -= 1;
        }
      }, opening),
  };
  return { database: held, open: () => open, most: () => most, release };
}

async function waitingWrites(): Promise<number> {
  const { body } = await renderMetrics();
  return Number(/^ragspace_document_writes_waiting (\d+)$/m.exec(body)?.[1]);
}

describe.runIf(onPostgres)('RAGSPACE_DOCUMENT_WRITERS: document writes at once in one server process', () => {
  let api: TestApi | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  async function uploadsWith(writers: number) {
    const hold = holdingDocumentWrites(await createTestDatabase());
    api = await createTestApi({ database: hold.database, environment: { RAGSPACE_DOCUMENT_WRITERS: String(writers) } });
    // Two workspaces: writes into one workspace also queue on its BM25 statistics row in the database.
    const workspaces = [await createWorkspaceWithKey(api.database), await createWorkspaceWithKey(api.database)];
    const started = api;
    const upload = (source: string) => {
      const workspace = workspaces[source === 'first.md' ? 0 : 1]!;
      return started.app.inject({
        method: 'POST',
        url: `/workspaces/${workspace.context.workspaceId}/documents`,
        headers: bearer(workspace.adminSecret),
        payload: { source, content: `# ${source}\n\nWriter slots decide when this document is written.`, graph: false },
      });
    };
    return { hold, upload };
  }

  it('with one writer, a second upload waits for the slot until the first commits; both are stored', async () => {
    const { hold, upload } = await uploadsWith(1);
    const first = upload('first.md');
    await vi.waitFor(() => expect(hold.open()).toBe(1), { timeout: 60_000, interval: 20 });
    const second = upload('second.md');
    await vi.waitFor(async () => expect(await waitingWrites()).toBe(1), { timeout: 60_000, interval: 20 });
    expect(hold.open()).toBe(1);

    hold.release();
    const responses = await Promise.all([first, second]);
    expect(responses.map((response) => response.statusCode)).toEqual([201, 201]);
    expect(hold.most()).toBe(1);
    expect(await waitingWrites()).toBe(0);
  });

  it('with two writers, the second upload writes while the first transaction is still open', async () => {
    const { hold, upload } = await uploadsWith(2);
    const first = upload('first.md');
    await vi.waitFor(() => expect(hold.open()).toBe(1), { timeout: 60_000, interval: 20 });
    const second = upload('second.md');
    await vi.waitFor(() => expect(hold.open()).toBe(2), { timeout: 60_000, interval: 20 });

    hold.release();
    const responses = await Promise.all([first, second]);
    expect(responses.map((response) => response.statusCode)).toEqual([201, 201]);
    expect(hold.most()).toBe(2);
    expect(await waitingWrites()).toBe(0);
  });
});
