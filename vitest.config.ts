import { defineConfig } from 'vitest/config';

// Every database-facing suite runs on both tiers (ARCHITECTURE.md invariant 9): the embedded
// PGlite always, and a real PostgreSQL when TEST_DATABASE_URL is set (test/setup/postgres-tier.ts
// clones a fresh database per suite from it). The files below touch no database, or only the
// embedded tier's own machinery (pglite-socket sharing), so they run once, on PGlite.
const embeddedOrDatabaseFree = [
  'test/config.test.ts',
  'test/db/data-directory.test.ts',
  'test/db/embedded-sharing.test.ts',
  'test/graph/graph-units.test.ts',
  'test/graph/neo4j-cypher.test.ts',
  'test/graph/neo4j-integration.test.ts',
  'test/graph/offline-extraction.test.ts',
  'test/ingestion/chunker.test.ts',
  'test/ingestion/directory-source.test.ts',
  'test/ingestion/embedders.test.ts',
  'test/ingestion/loaders.test.ts',
  'test/ingestion/office-loaders.test.ts',
  'test/models/model-provider.test.ts',
  'test/search/metrics.test.ts',
  'test/search/search-over-socket.test.ts',
];

const postgresTier = Boolean(process.env.TEST_DATABASE_URL);

export default defineConfig({
  test: {
    // PGlite start-up takes seconds in WASM; database suites need room.
    testTimeout: 120_000,
    hookTimeout: 240_000,
    // Two cores: more workers only thrash.
    maxWorkers: 2,
    globalSetup: ['test/setup/build.ts', 'test/setup/postgres-tier.ts'],
    projects: [
      {
        extends: true as const,
        test: { name: 'pglite', include: ['test/**/*.test.ts'], env: { RAGSPACE_TEST_TIER: 'pglite' } },
      },
      ...(postgresTier
        ? [
            {
              extends: true as const,
              test: {
                name: 'postgres',
                include: ['test/**/*.test.ts'],
                exclude: embeddedOrDatabaseFree,
                env: { RAGSPACE_TEST_TIER: 'postgres' },
              },
            },
          ]
        : []),
    ],
  },
});
