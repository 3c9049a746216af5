// In-process PGlite (PostgreSQL in WASM) with pgvector. Used for tests and by the embedded owner.
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import type { Database, Queryable, QueryResult } from './database.ts';

/** `loadDataDir`: start from a dumped data directory (PGlite's dumpDataDir) instead of running initdb. */
export async function createPgliteInstance(dataDirectory?: string, options: { loadDataDir?: Blob } = {}): Promise<PGlite> {
  return PGlite.create({ dataDir: dataDirectory, extensions: { vector }, ...options });
}

function toQueryable(client: Pick<PGlite, 'query' | 'exec'>): Queryable {
  return {
    async query<Row>(sql: string, parameters: readonly unknown[] = []): Promise<QueryResult<Row>> {
      const result = await client.query<Row>(sql, parameters as unknown[]);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
    async executeScript(sql: string): Promise<void> {
      await client.exec(sql);
    },
  };
}

/** Wraps a PGlite instance. Only for a process that is the sole user of it (tests, or before it is served). */
export function createPgliteDatabase(instance: PGlite): Database {
  const direct = toQueryable(instance);
  return {
    kind: 'pglite',
    exclusiveTransactions: true,
    query: direct.query,
    executeScript: direct.executeScript,
    transaction: (work, opening) =>
      instance.transaction(async (transaction) => {
        if (opening) await transaction.exec(opening);
        return work(toQueryable(transaction));
      }),
    close: () => instance.close(),
  };
}

/** A fresh in-memory database: every test suite gets its own. */
export async function createMemoryDatabase(): Promise<Database> {
  return createPgliteDatabase(await createPgliteInstance());
}
