// The database an ingestion scenario measures on its tier. On PGlite that is the embedded database
// as `ragspace serve` opens it (openEmbeddedDatabase: PGlite on a thread of its own, shared over
// pglite-socket), not the harness's in-process PGlite: whether a long statement holds the event
// loop is what these scenarios measure. On PostgreSQL it is the harness's fresh database.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openEmbeddedDatabase } from '../../src/db/embedded-database.ts';
import { migrate } from '../../src/db/migrations.ts';
import { createPgliteInstance } from '../../src/db/pglite-database.ts';
import { migratedPgliteDump } from '../tiers.ts';
import type { BenchDatabase, ScenarioContext } from '../scenario.ts';

export async function openIngestionDatabase(context: ScenarioContext): Promise<BenchDatabase> {
  if (context.tier === 'postgres') return context.openDatabase();
  const directory = await mkdtemp(path.join(os.tmpdir(), 'rs-bench-'));
  // The data directory starts as the run's migrated one (no initdb), where serve keeps it.
  const seed = await createPgliteInstance(path.join(directory, 'pgdata'), { loadDataDir: await migratedPgliteDump() });
  await seed.close();
  const database = await openEmbeddedDatabase({ dataDirectory: directory, poolSize: 8 });
  await migrate(database);
  return {
    tier: 'pglite',
    database,
    poolConfig: async (connections) => ({ host: directory, port: 5432, user: 'postgres', database: 'postgres', max: connections }),
    async close() {
      await database.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
