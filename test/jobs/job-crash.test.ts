// kill -9 of a real `ragspace serve` in the middle of an ingestion job, on both tiers: nothing is
// lost (the job is still in the database), no half document is left (the write is one
// transaction; on the embedded tier the killed process owned PGlite itself, so the next process
// recovers the data directory), and the next server process completes the job once its lease has
// expired, exactly once.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { withWorkspace } from '../../src/db/workspace-scope.ts';
import { createApiKey } from '../../src/tenancy/api-keys.ts';
import type { WorkspaceContext } from '../../src/tenancy/workspace-context.ts';
import { createTestTenant } from '../helpers/database.ts';
import { seededRandom } from '../helpers/seeded-random.ts';
import { createServerEnvironment, serverKeyPepper, startServerProcess, type ServerEnvironment, type ServerProcess } from '../helpers/server-process.ts';
import { onPostgres } from '../helpers/test-tier.ts';
import { checkWorkspaceConsistency, consistencyProblems } from '../helpers/workspace-consistency.ts';

const leaseSeconds = 4;

/** A long document of distinct paragraphs: hundreds of chunks, so ingesting it takes a while. */
function longDocument(paragraphs: number): string {
  const random = seededRandom(12);
  const words = ['warehouse', 'invoice', 'forklift', 'pallet', 'carrier', 'customs', 'ledger', 'audit', 'freight', 'manifest', 'dock', 'shift'];
  const sections: string[] = [];
  for (let index = 0; index < paragraphs; index += 1) {
    const sentence = Array.from({ length: 60 }, () => words[Math.floor(random() * words.length)]).join(' ');
    sections.push(`## Procedure ${index}\n\nStep ${index} of the handbook: ${sentence}.`);
  }
  return `# Operations handbook\n\n${sections.join('\n\n')}`;
}

interface JobBody {
  id: string;
  status: string;
  attempts: number;
  result: { status: string; documentId: string; chunkCount: number } | null;
  error: unknown;
}

async function readJob(server: ServerProcess, workspaceId: string, jobId: string, key: string): Promise<JobBody> {
  const response = await fetch(`${server.baseUrl}/workspaces/${workspaceId}/documents/jobs/${jobId}`, { headers: { 'x-api-key': key } });
  expect(response.status).toBe(200);
  return (await response.json()) as JobBody;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(100);
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** On a real server: the job's write transaction is open and has inserted chunks. */
async function writeTransactionInProgress(database: Database): Promise<boolean> {
  const { rows } = await database.query<{ count: number }>(
    `SELECT count(*)::integer AS count FROM pg_stat_activity
     WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL AND query LIKE 'INSERT INTO chunks%'`,
  );
  return rows[0]!.count > 0;
}

describe('a server process killed mid-job', () => {
  let environment: ServerEnvironment;
  let tenant: WorkspaceContext;
  let key: string;
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    environment = await createServerEnvironment();
    const database = await environment.connect();
    try {
      // A plan whose rate limit allows the test's polling of the job (the free plan's 60 a minute does not).
      tenant = await createTestTenant(database, { planId: 'enterprise' });
      key = (await createApiKey(database, serverKeyPepper, tenant, { scopes: ['documents:write'] })).secret;
    } finally {
      // Embedded: hand the data directory to the server process, which becomes its owner.
      await database.close();
    }
  });
  afterAll(async () => {
    for (const server of servers) await server.kill();
    await environment.close();
  });

  it('loses nothing, leaves no half document, and the next process completes the job once', async () => {
    const variables = { ...environment.variables, RAGSPACE_JOB_LEASE_SECONDS: String(leaseSeconds) };
    const first = await startServerProcess(variables);
    servers.push(first);
    const base = `${first.baseUrl}/workspaces/${tenant.workspaceId}`;
    const content = longDocument(onPostgres ? 900 : 500);
    const accepted = await fetch(`${base}/documents?async=true`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: JSON.stringify({ source: 'handbook.md', content, graph: false }),
    });
    expect(accepted.status).toBe(202);
    const { job } = (await accepted.json()) as { job: JobBody };

    await waitFor('the job to start', async () => ((await readJob(first, tenant.workspaceId, job.id, key)).status === 'running' ? true : undefined));
    let killedMidTransaction = false;
    if (onPostgres) {
      // Kill it while the document's transaction is open and half its chunks are written.
      const observer = await environment.connect();
      try {
        killedMidTransaction = await waitFor('the write transaction', async () => ((await writeTransactionInProgress(observer)) ? true : undefined));
      } finally {
        await observer.close();
      }
    }
    // Embedded: the owner serialises every statement behind the open transaction, so the write
    // cannot be watched from outside; the job is killed as soon as it runs (after a fixed wait a
    // fast machine had finished it: the test then saw a succeeded job).
    await first.kill();

    // Right after the crash: the job is still there, unfinished, and no half document exists.
    const database = await environment.connect();
    try {
      const afterCrash = await withWorkspace(database, tenant, async (transaction) => {
        const { rows } = await transaction.query<{ status: string; attempts: number; hasContent: boolean }>(
          `SELECT status, attempts, content IS NOT NULL AS "hasContent" FROM ingestion_jobs WHERE workspace_id = $1 AND id = $2`,
          [tenant.workspaceId, job.id],
        );
        return rows[0];
      });
      expect(afterCrash).toMatchObject({ attempts: 1, hasContent: true });
      expect(['queued', 'running']).toContain(afterCrash!.status);
      const crashed = await checkWorkspaceConsistency(database, tenant.workspaceId);
      expect(consistencyProblems(crashed)).toEqual([]);
      if (killedMidTransaction) expect(crashed.documents).toBe(0);
    } finally {
      // Embedded: the test owned the directory after the crash; the next server takes it over.
      await database.close();
    }

    const second = await startServerProcess(variables);
    servers.push(second);
    const finished = await waitFor('the job to finish in the second process', async () => {
      const current = await readJob(second, tenant.workspaceId, job.id, key);
      return current.status === 'succeeded' || current.status === 'failed' ? current : undefined;
    });
    expect(finished).toMatchObject({ status: 'succeeded', attempts: 2, error: null });
    // Stored by the crashed attempt only if it had committed; either way exactly once.
    expect(['created', 'unchanged']).toContain(finished.result!.status);
    if (killedMidTransaction) expect(finished.result!.status).toBe('created');

    const document = await fetch(`${second.baseUrl}/workspaces/${tenant.workspaceId}/documents/${finished.result!.documentId}?include=chunks`, {
      headers: { 'x-api-key': key },
    });
    // documents:write reads documents too.
    expect(document.status).toBe(200);
    const stored = (await document.json()) as { source: string; chunkCount: number; chunks: unknown[] };
    expect(stored.source).toBe('handbook.md');
    expect(stored.chunks).toHaveLength(stored.chunkCount);
    expect(stored.chunkCount).toBe(finished.result!.chunkCount);
    await second.stop();

    const check = await environment.connect();
    try {
      const report = await checkWorkspaceConsistency(check, tenant.workspaceId);
      expect(consistencyProblems(report)).toEqual([]);
      expect(report.documents).toBe(1);
    } finally {
      await check.close();
    }
  }, 400_000);
});
