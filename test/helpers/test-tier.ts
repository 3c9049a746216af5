// Which database tier this test process runs on. vitest.config.ts runs the suite once per tier:
// the embedded PGlite always, and a real PostgreSQL when TEST_DATABASE_URL is set.
import { inject } from 'vitest';

export type TestTier = 'pglite' | 'postgres';

export const testTier: TestTier = process.env.RAGSPACE_TEST_TIER === 'postgres' ? 'postgres' : 'pglite';

export const onPostgres = testTier === 'postgres';
export const onPglite = testTier === 'pglite';

/** The real server's facts, handed over by test/setup/postgres-tier.ts (postgres tier only). */
export interface PostgresTierInfo {
  /** A connection string to the server's maintenance database, as the test role. */
  maintenanceUrl: string;
  /** Connection string template: replace the database name to reach a cloned database. */
  baseUrl: string;
  /** A migrated database to clone with CREATE DATABASE … TEMPLATE. */
  migratedTemplate: string;
  /** An unmigrated database (only the vector extension) to clone for migration tests. */
  emptyTemplate: string;
  /** Prefix of every database this run creates (dropped at the end). */
  runPrefix: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    postgresTier: PostgresTierInfo | null;
  }
}

export function postgresTierInfo(): PostgresTierInfo {
  const info = inject('postgresTier');
  if (!info) throw new Error('The postgres test tier is not set up (TEST_DATABASE_URL unset?)');
  return info;
}

/** A connection string for `database` on the test server. */
export function postgresUrlFor(database: string): string {
  const url = new URL(postgresTierInfo().baseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
