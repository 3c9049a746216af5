// Global set-up of the postgres test tier: from TEST_DATABASE_URL (a database with the vector
// extension, reached as a role that may create databases), make two templates for this run, an
// empty one and a migrated one, so every suite clones its own database in a moment and suites
// run in parallel without seeing each other. Everything this run creates is dropped at the end.
import type { TestProject } from 'vitest/node';
import type { PostgresTierInfo } from '../helpers/test-tier.ts';
import { createRunTemplates, dropRunDatabases } from '../helpers/postgres-databases.ts';

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
  const info: PostgresTierInfo = await createRunTemplates(url, 'test');
  project.provide('postgresTier', info);
  process.stderr.write(`postgres test tier: ${new URL(url).host}, databases ${info.runPrefix}*\n`);
  return async () => {
    await dropRunDatabases(info.maintenanceUrl, info.runPrefix);
  };
}
