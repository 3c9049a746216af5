// Which database tier this test process runs on. vitest.config.ts runs the suite once per tier:
// the embedded PGlite always, and a real PostgreSQL when TEST_DATABASE_URL is set.
import { inject } from 'vitest';
import { withDatabaseName, type RunTemplates } from './postgres-databases.ts';

export type TestTier = 'pglite' | 'postgres';

export const testTier: TestTier = process.env.RAGSPACE_TEST_TIER === 'postgres' ? 'postgres' : 'pglite';

export const onPostgres = testTier === 'postgres';
export const onPglite = testTier === 'pglite';

/** The real server's facts, handed over by test/setup/postgres-tier.ts (postgres tier only). */
export type PostgresTierInfo = RunTemplates;

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
  return withDatabaseName(postgresTierInfo().baseUrl, database);
}
