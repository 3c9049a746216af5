// The embedded database served over the Postgres wire protocol, reached with the pg driver.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { Database } from '../../src/db/database.ts';
import { createPgliteInstance } from '../../src/db/pglite-database.ts';
import { createPostgresDatabase } from '../../src/db/postgres-database.ts';

export interface SocketDatabase {
  /** A pg Pool talking to PGlite through pglite-socket. */
  database: Database;
  /** Opens another independent pool to the same server (a second "process"). */
  connect(poolSize?: number): Database;
  close(): Promise<void>;
}

export async function createSocketDatabase(poolSize = 4): Promise<SocketDatabase> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'ragspace-socket-'));
  const instance = await createPgliteInstance();
  const server = new PGLiteSocketServer({ db: instance, path: path.join(directory, '.s.PGSQL.5432'), maxConnections: 32 });
  await server.start();
  const pools: Database[] = [];
  const connect = (size = poolSize) => {
    const pool = createPostgresDatabase({ host: directory, port: 5432, user: 'postgres', database: 'postgres', max: size, exclusiveTransactions: true });
    pools.push(pool);
    return pool;
  };
  return {
    database: connect(),
    connect,
    async close() {
      for (const pool of pools) await pool.close();
      await server.stop();
      await instance.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
