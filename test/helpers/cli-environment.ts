// Where a CLI test's `ragspace` child processes keep their data, on this process's tier: an
// embedded data directory this test holds open (so each run is a quick socket client of it), or
// a fresh database on the real PostgreSQL named by DATABASE_URL, as a production operator runs it.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Database } from '../../src/db/database.ts';
import { openEmbeddedDatabase } from '../../src/db/embedded-database.ts';
import { migrate } from '../../src/db/migrations.ts';
import { createPostgresDatabase } from '../../src/db/postgres-database.ts';
import { clonePostgresDatabase } from './database.ts';
import { testTier } from './test-tier.ts';

export const cliKeyPepper = 'cli-test-pepper-that-is-long-enough-0123456789';

export interface CliEnvironment {
  /** Variables every `ragspace` run of this test gets. */
  environment: Record<string, string>;
  /** The same database, open in this test process for set-up and assertions (sees every workspace). */
  database: Database;
  /** A private scratch directory (the data directory lives inside it). */
  directory: string;
  close(): Promise<void>;
}

export async function createCliEnvironment(): Promise<CliEnvironment> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'rs-cli-'));
  const dataDirectory = path.join(directory, 'data');
  if (testTier === 'postgres') {
    const cloned = await clonePostgresDatabase('migrated');
    const database = createPostgresDatabase({ connectionString: cloned.url, max: 4 });
    return {
      environment: { DATABASE_URL: cloned.url, RAGSPACE_KEY_PEPPER: cliKeyPepper, RAGSPACE_DATA_DIR: dataDirectory },
      database,
      directory,
      async close() {
        await database.close();
        await cloned.drop();
        await rm(directory, { recursive: true, force: true });
      },
    };
  }
  const owner = await openEmbeddedDatabase({ dataDirectory });
  await migrate(owner);
  return {
    environment: { RAGSPACE_DATA_DIR: dataDirectory },
    database: owner,
    directory,
    async close() {
      await owner.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
