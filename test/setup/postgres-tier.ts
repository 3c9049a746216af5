// Global set-up of the postgres test tier: from TEST_DATABASE_URL (a database with the vector
// extension, reached as a role that may create databases), make two templates for this run, an
// empty one and a migrated one, so every suite clones its own database in a moment and suites
// run in parallel without seeing each other. Everything this run creates is dropped at the end.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migrate } from '../../src/db/migrations.ts';
import { createPostgresDatabase } from '../../src/db/postgres-database.ts';
import type { PostgresTierInfo } from '../helpers/test-tier.ts';

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function onMaintenance<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function dropRunDatabases(maintenanceUrl: string, runPrefix: string): Promise<void> {
  await onMaintenance(maintenanceUrl, async (client) => {
    const { rows } = await client.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE $1 || '%'",
      [runPrefix],
    );
    for (const { datname } of rows) {
      await client.query(`ALTER DATABASE "${datname}" IS_TEMPLATE false`).catch(() => undefined);
      await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
  });
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | void> {
  const tier = project.config.env?.RAGSPACE_TEST_TIER;
  const url = process.env.TEST_DATABASE_URL;
  if (tier !== 'postgres' || !url) {
    project.provide('postgresTier', null);
    if (!url && tier === 'pglite') {
      process.stderr.write(
        '\n\u001b[33m*** TEST_DATABASE_URL is not set: the real-PostgreSQL tier is SKIPPED; only the embedded PGlite tier runs. ***\n' +
          '*** Start one with ../shared/scripts/postgres-server start DIR and export TEST_DATABASE_URL=$DATABASE_URL to run both. ***\u001b[0m\n\n',
      );
    }
    return;
  }
  const sourceDatabase = new URL(url).pathname.slice(1) || 'postgres';
  const maintenanceUrl = withDatabase(url, 'postgres');
  const runPrefix = `rs_test_${randomBytes(4).toString('hex')}_`;
  const emptyTemplate = `${runPrefix}empty`;
  const migratedTemplate = `${runPrefix}migrated`;

  await onMaintenance(maintenanceUrl, async (client) => {
    await client.query(`CREATE DATABASE "${emptyTemplate}" TEMPLATE "${sourceDatabase}"`);
    await client.query(`CREATE DATABASE "${migratedTemplate}" TEMPLATE "${sourceDatabase}"`);
  });
  const migrated = createPostgresDatabase({ connectionString: withDatabase(url, migratedTemplate), max: 1 });
  try {
    await migrate(migrated);
  } finally {
    await migrated.close();
  }
  const info: PostgresTierInfo = { maintenanceUrl, baseUrl: url, migratedTemplate, emptyTemplate, runPrefix };
  project.provide('postgresTier', info);
  process.stderr.write(`postgres test tier: ${new URL(url).host}, databases ${runPrefix}*\n`);
  return async () => {
    await dropRunDatabases(maintenanceUrl, runPrefix);
  };
}
