import { cp, mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { defaultMigrationsDirectory, migrate, MigrationError, migrationsAreCurrent, readMigrations } from '../../src/db/migrations.ts';
import { createMemoryDatabase } from '../../src/db/pglite-database.ts';
import { createSocketDatabase, type SocketDatabase } from '../helpers/socket-database.ts';

async function tableNames(database: Database): Promise<string[]> {
  const { rows } = await database.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
  );
  return rows.map((row) => row.table_name);
}

describe('migrations on in-process PGlite', () => {
  let database: Database;
  beforeAll(async () => {
    database = await createMemoryDatabase();
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

describe('migrations through the pg driver over pglite-socket', () => {
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

describe('an applied migration that was edited', () => {
  let directory: string;
  let database: Database;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'ragspace-migrations-'));
    await cp(defaultMigrationsDirectory, directory, { recursive: true });
    database = await createMemoryDatabase();
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
