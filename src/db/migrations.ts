// Applies sql/NNN_name.sql in order, each once, in its own transaction, recorded with a checksum.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database, Queryable } from './database.ts';

export const defaultMigrationsDirectory = fileURLToPath(new URL('../../sql/', import.meta.url));

// Any constant works; it only has to be the same in every ragspace process.
const migrationLockKey = 727_274_701;

export interface Migration {
  version: number;
  name: string;
  file: string;
  sql: string;
  checksum: string;
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

export async function readMigrations(directory = defaultMigrationsDirectory): Promise<Migration[]> {
  const files = (await readdir(directory)).filter((file) => file.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = /^(\d{3,})_([a-z0-9_]+)\.sql$/.exec(file);
    if (!match) throw new MigrationError(`Migration file name "${file}" must look like 001_name.sql`);
    const sql = await readFile(path.join(directory, file), 'utf8');
    const version = Number(match[1]);
    if (migrations.some((migration) => migration.version === version)) {
      throw new MigrationError(`Two migration files share version ${version}`);
    }
    migrations.push({ version, name: match[2]!, file, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return migrations;
}

async function appliedMigrations(transaction: Queryable): Promise<Map<number, { name: string; checksum: string }>> {
  const { rows } = await transaction.query<{ version: number; name: string; checksum: string }>(
    'SELECT version, name, checksum FROM schema_migrations ORDER BY version',
  );
  return new Map(rows.map((row) => [row.version, row]));
}

function verifyUnchanged(migrations: Migration[], applied: Map<number, { name: string; checksum: string }>): void {
  for (const migration of migrations) {
    const record = applied.get(migration.version);
    if (record && record.checksum !== migration.checksum) {
      throw new MigrationError(
        `Migration ${migration.file} was edited after it was applied (checksum ${record.checksum.slice(0, 12)}… in the database, ${migration.checksum.slice(0, 12)}… on disk). Restore the file and put the change in a new migration.`,
      );
    }
  }
}

/** Applies every pending migration. Concurrent callers wait on an advisory lock; a re-run is a no-op. Returns the versions applied now. */
export async function migrate(database: Database, directory = defaultMigrationsDirectory): Promise<number[]> {
  const migrations = await readMigrations(directory);
  // Usually everything is applied already: one query then, not a locked transaction per file.
  if (await migrationsAreCurrent(database, directory, migrations)) return [];
  await database.transaction(async (transaction) => {
    await transaction.query('SELECT pg_advisory_xact_lock($1)', [migrationLockKey]);
    await transaction.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
  });
  const appliedNow: number[] = [];
  for (const migration of migrations) {
    await database.transaction(async (transaction) => {
      await transaction.query('SELECT pg_advisory_xact_lock($1)', [migrationLockKey]);
      const applied = await appliedMigrations(transaction);
      verifyUnchanged(migrations, applied);
      if (applied.has(migration.version)) return;
      await transaction.executeScript(migration.sql);
      await transaction.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        migration.checksum,
      ]);
      appliedNow.push(migration.version);
    });
  }
  if (migrations.length === 0) return appliedNow;
  // Also refuse an edited migration when nothing was pending.
  verifyUnchanged(migrations, await appliedMigrations(database));
  return appliedNow;
}

/** True when every migration on disk is applied (readiness probe). */
export async function migrationsAreCurrent(
  database: Queryable,
  directory = defaultMigrationsDirectory,
  migrations?: Migration[],
): Promise<boolean> {
  migrations ??= await readMigrations(directory);
  const applied = await appliedMigrations(database).catch(() => new Map());
  return migrations.every((migration) => applied.get(migration.version)?.checksum === migration.checksum);
}
