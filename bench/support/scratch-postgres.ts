// The bench's real-PostgreSQL tier: like the tests (test/setup/postgres-tier.ts), it takes the
// server from TEST_DATABASE_URL and works in a scratch database cloned from that one (so the
// vector extension is there), dropped afterwards.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface ScratchPostgres {
  url: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function onMaintenance(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: withDatabase(url, 'postgres') });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** A fresh database on TEST_DATABASE_URL's server, or undefined when the variable is not set. */
export async function createScratchPostgres(): Promise<ScratchPostgres | undefined> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) return undefined;
  const source = new URL(url).pathname.slice(1) || 'postgres';
  const name = `rs_bench_${randomBytes(4).toString('hex')}`;
  await onMaintenance(url, `CREATE DATABASE "${name}" TEMPLATE "${source}"`);
  return { url: withDatabase(url, name), drop: () => onMaintenance(url, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}
