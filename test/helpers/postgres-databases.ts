// Throw-away databases on a real PostgreSQL, shared by the test tier (test/setup/postgres-tier.ts,
// test/helpers/database.ts) and the bench (bench/tiers.ts). No vitest here: the bench imports it.
// A run makes two templates (empty: only the vector extension; migrated) and clones one per
// suite or scenario with CREATE DATABASE … TEMPLATE, which takes a moment; everything a run
// creates carries its prefix and is dropped at the end.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrate } from '../../src/db/migrations.ts';
import { createPostgresDatabase } from '../../src/db/postgres-database.ts';

/** `url` pointing at another database of the same server. */
export function withDatabaseName(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export async function onMaintenance<T>(maintenanceUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: maintenanceUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The two templates of one run, made from the database `url` names (which has the vector extension). */
export interface RunTemplates {
  maintenanceUrl: string;
  baseUrl: string;
  runPrefix: string;
  emptyTemplate: string;
  migratedTemplate: string;
}

export async function createRunTemplates(url: string, kind: 'test' | 'bench'): Promise<RunTemplates> {
  const sourceDatabase = new URL(url).pathname.slice(1) || 'postgres';
  const maintenanceUrl = withDatabaseName(url, 'postgres');
  const runPrefix = `rs_${kind}_${randomBytes(4).toString('hex')}_`;
  const templates = { maintenanceUrl, baseUrl: url, runPrefix, emptyTemplate: `${runPrefix}empty`, migratedTemplate: `${runPrefix}migrated` };
  await onMaintenance(maintenanceUrl, async (client) => {
    await client.query(`CREATE DATABASE "${templates.emptyTemplate}" TEMPLATE "${sourceDatabase}"`);
    await client.query(`CREATE DATABASE "${templates.migratedTemplate}" TEMPLATE "${sourceDatabase}"`);
  });
  const migrated = createPostgresDatabase({ connectionString: withDatabaseName(url, templates.migratedTemplate), max: 1 });
  try {
    await migrate(migrated);
  } finally {
    await migrated.close();
  }
  return templates;
}

/** CREATE DATABASE name TEMPLATE template, retried while concurrent clones hold the template. */
export async function createDatabaseFromTemplate(maintenanceUrl: string, name: string, template: string): Promise<void> {
  await onMaintenance(maintenanceUrl, async (admin) => {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
        return;
      } catch (error) {
        if (attempt >= 20 || !/being accessed by other users/.test((error as Error).message)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
      }
    }
  });
}

/**
 * DROP DATABASE … WITH (FORCE), or, when this role may not end a backend it finds there (an
 * autovacuum worker counts as another role's unless it is a member of pg_signal_backend, which
 * .ci/run grants), a plain DROP, which ends autovacuum itself and waits for the rest.
 */
async function dropOne(client: pg.Client, name: string): Promise<void> {
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    return;
  } catch (error) {
    if ((error as { code?: string }).code !== '42501') throw error;
  }
  for (let attempt = 0; ; attempt += 1) {
    try {
      await client.query(`DROP DATABASE IF EXISTS "${name}"`);
      return;
    } catch (error) {
      if (attempt >= 20 || !/being accessed by other users/.test((error as Error).message)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

export async function dropDatabase(maintenanceUrl: string, name: string): Promise<void> {
  await onMaintenance(maintenanceUrl, (client) => dropOne(client, name));
}

export async function dropRunDatabases(maintenanceUrl: string, runPrefix: string): Promise<void> {
  await onMaintenance(maintenanceUrl, async (client) => {
    const { rows } = await client.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE $1 || '%'", [runPrefix]);
    for (const { datname } of rows) {
      await client.query(`ALTER DATABASE "${datname}" IS_TEMPLATE false`).catch(() => undefined);
      await dropOne(client, datname);
    }
  });
}
