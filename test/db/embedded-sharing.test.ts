// ARCHITECTURE.md invariant 8: several local processes share one embedded data directory.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbeddedDatabase, type EmbeddedDatabase } from '../../src/db/embedded-database.ts';
import { migrate } from '../../src/db/migrations.ts';
import { withWorkspace } from '../../src/db/workspace-scope.ts';
import { ingestDocument } from '../../src/ingestion/documents.ts';
import { ensureDeploymentEmbedder } from '../../src/ingestion/embedders/deployment-embedder.ts';
import { createLocalEmbedder } from '../../src/ingestion/embedders/local-embedder.ts';
import { listOrganizations } from '../../src/tenancy/organizations.ts';
import { runCli } from '../helpers/cli.ts';
import { createTestTenant } from '../helpers/database.ts';
import { hammerWorkspace, type HammerReport } from '../helpers/hammer-workspace.ts';
import { recordStatements } from '../helpers/recording-database.ts';

const worker = fileURLToPath(new URL('../helpers/tenant-worker.ts', import.meta.url));

function runWorker(dataDirectory: string, workspaceId: string, rounds: number): Promise<HammerReport & { isOwner: boolean }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', worker, dataDirectory, workspaceId, String(rounds)], (error, stdout, stderr) => {
      if (error) reject(new Error(`worker failed: ${stderr}`));
      else resolve(JSON.parse(stdout));
    });
  });
}

describe('two processes starting on one fresh data directory', () => {
  let dataDirectory: string;
  beforeAll(async () => {
    dataDirectory = await mkdtemp(path.join(os.tmpdir(), 'rs-fresh-'));
  });
  afterAll(() => rm(dataDirectory, { recursive: true, force: true }));

  it('both succeed: one owns the database, the other uses it', async () => {
    const environment = { RAGSPACE_DATA_DIR: dataDirectory };
    // The first run creates the database (initdb in WebAssembly): minutes on a busy machine.
    const firstRun = { timeoutMs: 170_000 };
    const [first, second] = await Promise.all([
      runCli(['org', 'create', '--name', 'First', '--json'], environment, undefined, firstRun),
      runCli(['org', 'create', '--name', 'Second', '--json'], environment, undefined, firstRun),
    ]);
    expect(first.stderr).toBe('');
    expect(second.stderr).toBe('');
    expect([first.exitCode, second.exitCode]).toEqual([0, 0]);
    const listed = await runCli(['org', 'list', '--json'], environment);
    expect(JSON.parse(listed.stdout).map((organization: { slug: string }) => organization.slug).sort()).toEqual(['first', 'second']);
  }, 180_000);
});

describe('an owner process and a client process working for different tenants at once', () => {
  let dataDirectory: string;
  let owner: EmbeddedDatabase;
  beforeAll(async () => {
    dataDirectory = await mkdtemp(path.join(os.tmpdir(), 'rs-shared-'));
    owner = await openEmbeddedDatabase({ dataDirectory });
    await migrate(owner);
  });
  afterAll(async () => {
    await owner.close();
    await rm(dataDirectory, { recursive: true, force: true });
  });

  it('never shows one tenant the setting or rows of the other, on either path', async () => {
    expect(owner.isOwner).toBe(true);
    const tenantA = await createTestTenant(owner);
    const tenantB = await createTestTenant(owner);
    const [ownerReport, clientReport] = await Promise.all([
      hammerWorkspace(owner, tenantA.workspaceId, 15),
      runWorker(dataDirectory, tenantB.workspaceId, 15),
    ]);
    expect(clientReport.isOwner).toBe(false);
    expect(ownerReport).toEqual({ transactions: 45, settingMismatches: 0, foreignRows: 0 });
    expect(clientReport).toMatchObject({ transactions: 45, settingMismatches: 0, foreignRows: 0 });
    const counts = await Promise.all(
      [tenantA, tenantB].map((tenant) =>
        withWorkspace(owner, tenant, async (transaction) => {
          const { rows } = await transaction.query<{ count: number }>('SELECT count(*)::int AS count FROM documents');
          return rows[0]!.count;
        }),
      ),
    );
    expect(counts).toEqual([45, 45]);
  });

  it('stages a new document larger than one short transaction, since a transaction holds every process', async () => {
    expect(owner.exclusiveTransactions).toBe(true);
    const embedder = createLocalEmbedder();
    await ensureDeploymentEmbedder(owner, embedder);
    const tenant = await createTestTenant(owner);
    const recording = recordStatements(owner);
    const content = Array.from({ length: 40 }, (_, index) => `Section ${index} of the manual explains ledger export number ${index} and its audit trail.`).join('\n\n');
    const stored = await ingestDocument({ database: recording, embedder }, tenant, { source: 'manual.md', content }, { chunkSize: 32, chunkOverlap: 0 });
    expect(stored.chunkCount).toBe(40);
    expect(recording.statements.filter((sql) => sql.includes('SET published = true'))).toHaveLength(1);
  });

  it('lets the CLI work while the owner holds the database', async () => {
    const result = await runCli(['org', 'create', '--name', 'From the CLI'], { RAGSPACE_DATA_DIR: dataDirectory });
    expect(result).toMatchObject({ exitCode: 0, stderr: '' });
    expect((await listOrganizations(owner)).map((organization) => organization.slug)).toContain('from-the-cli');
  });
});
