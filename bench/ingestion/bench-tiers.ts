// The database tiers an ingestion scenario runs on, each a fresh migrated database opened the way
// production opens it: the embedded PGlite through openEmbeddedDatabase (its own thread, shared over
// pglite-socket), and, when TEST_DATABASE_URL is set, a new database on that real PostgreSQL.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Database } from '../../src/db/database.ts';
import { openEmbeddedDatabase } from '../../src/db/embedded-database.ts';
import { migrate } from '../../src/db/migrations.ts';
import { createPostgresDatabase } from '../../src/db/postgres-database.ts';

export type BenchTierName = 'pglite' | 'postgres';

export interface BenchTier {
  name: BenchTierName;
  database: Database;
  /** A plain pg pool configuration for the same database, as the owner role (for the peer's own table). */
  poolConfig: pg.PoolConfig;
  close(): Promise<void>;
}

/** The tiers this run measures: PGlite always, PostgreSQL when TEST_DATABASE_URL is set. */
export function benchTierNames(): BenchTierName[] {
  return process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
}

export async function openBenchTier(name: BenchTierName, poolSize = 8): Promise<BenchTier> {
  if (name === 'pglite') {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'rs-bench-'));
    const database = await openEmbeddedDatabase({ dataDirectory: directory, poolSize });
    await migrate(database);
    return {
      name,
      database,
      poolConfig: { host: directory, port: 5432, user: 'postgres', database: 'postgres' },
      async close() {
        await database.close();
        await rm(directory, { recursive: true, force: true });
      },
    };
  }
  const url = new URL(process.env.TEST_DATABASE_URL!);
  const template = url.pathname.slice(1) || 'postgres';
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  const databaseName = `rs_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: maintenance.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${databaseName}" TEMPLATE "${template}"`).finally(() => admin.end());
  const benchUrl = new URL(url);
  benchUrl.pathname = `/${databaseName}`;
  const database = createPostgresDatabase({ connectionString: benchUrl.toString(), max: poolSize });
  await migrate(database);
  return {
    name,
    database,
    poolConfig: { connectionString: benchUrl.toString() },
    async close() {
      await database.close();
      const dropper = new pg.Client({ connectionString: maintenance.toString() });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`).finally(() => dropper.end());
    },
  };
}
