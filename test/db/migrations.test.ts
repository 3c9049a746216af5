import { cp, mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { defaultMigrationsDirectory, migrate, MigrationError, migrationsAreCurrent, readMigrations } from '../../src/db/migrations.ts';
import { createPostgresDatabase } from '../../src/db/postgres-database.ts';
import { clonePostgresDatabase, createEmptyTestDatabase, type ClonedPostgresDatabase } from '../helpers/database.ts';
import { createSocketDatabase, type SocketDatabase } from '../helpers/socket-database.ts';
import { onPglite, onPostgres, testTier } from '../helpers/test-tier.ts';

async function tableNames(database: Database): Promise<string[]> {
  const { rows } = await database.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
  );
  return rows.map((row) => row.table_name);
}

describe(`migrations on a fresh database (${testTier})`, () => {
  let database: Database;
  beforeAll(async () => {
    database = await createEmptyTestDatabase();
  });
  afterAll(() => database.close());

  it('applies every migration in order, then a re-run is a no-op', async () => {
    const all = (await readMigrations()).map((migration) => migration.version);
    expect(await migrate(database)).toEqual(all);
    expect(await tableNames(database)).toEqual(expect.arrayContaining(['organizations', 'workspaces', 'documents', 'chunks']));
    expect(await migrate(database)).toEqual([]);
    const { rows } = await database.query<{ count: number }>('SELECT count(*)::int AS count FROM schema_migrations');
    expect(rows[0]!.count).toBe(all.length);
    expect(await migrationsAreCurrent(database)).toBe(true);
  });
});

describe.runIf(onPglite)('migrations through the pg driver over pglite-socket', () => {
  let served: SocketDatabase;
  beforeAll(async () => {
    served = await createSocketDatabase();
  });
  afterAll(() => served.close());

  it('applies once when two processes start at the same time', async () => {
    const other = served.connect(2);
    const [first, second] = await Promise.all([migrate(served.database), migrate(other)]);
    const all = (await readMigrations()).map((migration) => migration.version);
    expect([...first, ...second].sort((a, b) => a - b)).toEqual(all);
    expect(await migrate(served.database)).toEqual([]);
    expect(await tableNames(other)).toEqual(expect.arrayContaining(['api_keys', 'messages']));
  });
});

describe.runIf(onPostgres)('migrations on a real PostgreSQL started by two processes at once', () => {
  let cloned: ClonedPostgresDatabase;
  let first: Database;
  let second: Database;
  beforeAll(async () => {
    cloned = await clonePostgresDatabase('empty');
    first = createPostgresDatabase({ connectionString: cloned.url, max: 2 });
    second = createPostgresDatabase({ connectionString: cloned.url, max: 2 });
  });
  afterAll(async () => {
    await first?.close();
    await second?.close();
    await cloned?.drop();
  });

  it('applies each migration once: the second waits on the advisory lock, then finds nothing to do', async () => {
    const [one, two] = await Promise.all([migrate(first), migrate(second)]);
    const all = (await readMigrations()).map((migration) => migration.version);
    expect([...one, ...two].sort((a, b) => a - b)).toEqual(all);
    expect(await migrate(second)).toEqual([]);
    expect(await tableNames(first)).toEqual(expect.arrayContaining(['api_keys', 'messages']));
  });
});

describe('an applied migration that was edited', () => {
  let directory: string;
  let database: Database;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'ragspace-migrations-'));
    await cp(defaultMigrationsDirectory, directory, { recursive: true });
    database = await createEmptyTestDatabase();
    await migrate(database, directory);
  });
  afterAll(async () => {
    await database.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('stops start-up with an error that names the file', async () => {
    const file = path.join(directory, '002_content.sql');
    await writeFile(file, `${await readFile(file, 'utf8')}\n-- edited\n`);
    await expect(migrate(database, directory)).rejects.toThrow(MigrationError);
    await expect(migrate(database, directory)).rejects.toThrow(/002_content.sql was edited after it was applied/);
    expect(await migrationsAreCurrent(database, directory)).toBe(false);
  });
});
