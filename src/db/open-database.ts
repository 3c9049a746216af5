// Chooses the database from the config: a PostgreSQL server, or the embedded PGlite.
import type { Config } from '../config.ts';
import type { Database } from './database.ts';
import { openEmbeddedDatabase } from './embedded-database.ts';
import { migrate } from './migrations.ts';
import { createPostgresDatabase } from './postgres-database.ts';

export interface OpenedDatabase {
  database: Database;
  embedded: boolean;
  /** True when this process owns the embedded database (and should run first-start set-up). */
  isOwner: boolean;
}

export async function openDatabase(config: Config, log: (message: string) => void = () => undefined): Promise<OpenedDatabase> {
  if (config.databaseUrl) {
    const database = createPostgresDatabase({
      connectionString: config.databaseUrl,
      max: 10,
      // A server that does not answer (network partition, overload) fails the request with 503
      // after this long instead of holding it for ever; a restarting server refuses at once.
      connectionTimeoutMillis: 10_000,
      onIdleError: (error) => log(`database connection error: ${error.message}`),
    });
    await migrateOrClose(database);
    return { database, embedded: false, isOwner: true };
  }
  const database = await openEmbeddedDatabase({ dataDirectory: config.dataDirectory, log });
  await migrateOrClose(database);
  return { database, embedded: true, isOwner: database.isOwner };
}

/** A failed migration must not leave the embedded database served (the process would never exit). */
async function migrateOrClose(database: Database): Promise<void> {
  try {
    await migrate(database);
  } catch (error) {
    await database.close().catch(() => undefined);
    throw error;
  }
}
