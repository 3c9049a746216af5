// The two database tiers every scenario runs on: the embedded PGlite (a fresh in-memory instance,
// in-process), and a real PostgreSQL with pgvector taken from TEST_DATABASE_URL as the tests take
// it (a fresh database per scenario run, cloned from a migrated template made once per bench run;
// everything the run creates is dropped at the end).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type pg from 'pg';
import type { Database } from '../src/db/database.ts';
import { migrate } from '../src/db/migrations.ts';
import { createPgliteDatabase, createPgliteInstance } from '../src/db/pglite-database.ts';
import { createPostgresDatabase } from '../src/db/postgres-database.ts';
import {
  createDatabaseFromTemplate,
  createRunTemplates,
  dropDatabase,
  dropRunDatabases,
  onMaintenance,
  withDatabaseName,
  type RunTemplates,
} from '../test/helpers/postgres-databases.ts';

export type BenchTier = 'pglite' | 'postgres';

export interface BenchDatabase {
  tier: BenchTier;
  /** Migrated, empty, for this scenario run alone. */
  database: Database;
  /**
   * How a second client (a peer such as LangChain's PGVectorStore, a server's own pool) reaches
   * this same database with the pg driver: the real server, or PGlite served on a Unix socket.
   */
  poolConfig(connections: number): Promise<pg.PoolConfig>;
  close(): Promise<void>;
}

export interface BenchTiers {
  /** pglite always; postgres when TEST_DATABASE_URL is set. */
  tiers: BenchTier[];
  /** "PGlite 0.5 (PostgreSQL 18.x)" or "PostgreSQL 15.x + pgvector 0.8.x". */
  describe(tier: BenchTier): string;
  open(tier: BenchTier): Promise<BenchDatabase>;
  close(): Promise<void>;
}

// pglite-socket multiplexes this many clients (a pg Pool of more would fail).
const socketConnections = 16;

let migratedDump: Promise<Blob> | undefined;

/**
 * A migrated PGlite data directory, made once per bench run: each scenario's fresh database loads
 * it (about half a second) instead of running initdb and the migrations again (about four).
 */
export function migratedPgliteDump(): Promise<Blob> {
  migratedDump ??= (async () => {
    const instance = await createPgliteInstance();
    try {
      await migrate(createPgliteDatabase(instance));
      return await instance.dumpDataDir('none');
    } finally {
      await instance.close();
    }
  })();
  return migratedDump;
}

async function openPglite(): Promise<BenchDatabase> {
  const instance = await createPgliteInstance(undefined, { loadDataDir: await migratedPgliteDump() });
  const database = createPgliteDatabase(instance);
  await migrate(database); // nothing to apply: it checks the loaded directory's migrations
  let socket: { server: PGLiteSocketServer; directory: string } | undefined;
  return {
    tier: 'pglite',
    database,
    async poolConfig(connections) {
      if (connections > socketConnections) throw new Error(`at most ${socketConnections} connections to the embedded database`);
      if (!socket) {
        const directory = await mkdtemp(path.join(os.tmpdir(), 'rs-bench-'));
        const server = new PGLiteSocketServer({ db: instance, path: path.join(directory, '.s.PGSQL.5432'), maxConnections: socketConnections });
        await server.start();
        socket = { server, directory };
      }
      return { host: socket.directory, port: 5432, user: 'postgres', database: 'postgres', max: connections };
    },
    async close() {
      if (socket) {
        await socket.server.stop();
        await rm(socket.directory, { recursive: true, force: true });
      }
      await database.close();
    },
  };
}

export async function prepareBenchTiers(): Promise<BenchTiers> {
  // Made while the real server's templates are: the first PGlite scenario awaits it (and its error).
  migratedPgliteDump().catch(() => undefined);
  const url = process.env.TEST_DATABASE_URL;
  let templates: RunTemplates | undefined;
  let postgresVersion = '';
  if (url) {
    templates = await createRunTemplates(url, 'bench');
    postgresVersion = await onMaintenance(withDatabaseName(url, templates.migratedTemplate), async (client) => {
      const { rows } = await client.query<{ server: string; pgvector: string }>(
        "SELECT current_setting('server_version') AS server, (SELECT extversion FROM pg_extension WHERE extname = 'vector') AS pgvector",
      );
      return `PostgreSQL ${rows[0]!.server.split(' ')[0]} + pgvector ${rows[0]!.pgvector}`;
    });
  }
  let counter = 0;
  return {
    tiers: templates ? ['pglite', 'postgres'] : ['pglite'],
    describe: (tier) => (tier === 'pglite' ? 'PGlite (embedded, in-process)' : postgresVersion),
    async open(tier) {
      if (tier === 'pglite') return openPglite();
      if (!templates) throw new Error('The postgres tier needs TEST_DATABASE_URL');
      const { maintenanceUrl, baseUrl, runPrefix, migratedTemplate } = templates;
      counter += 1;
      const name = `${runPrefix}${counter}`;
      await createDatabaseFromTemplate(maintenanceUrl, name, migratedTemplate);
      const connectionString = withDatabaseName(baseUrl, name);
      const database = createPostgresDatabase({ connectionString, max: 10 });
      return {
        tier,
        database,
        poolConfig: async (connections) => ({ connectionString, max: connections }),
        async close() {
          await database.close();
          await dropDatabase(maintenanceUrl, name);
        },
      };
    },
    async close() {
      if (templates) await dropRunDatabases(templates.maintenanceUrl, templates.runPrefix);
    },
  };
}
