// The database failing under the application, on each tier as it fails there:
//  - real PostgreSQL, through a TCP proxy the test breaks: a connection dropped mid-ingestion
//    (no half document; a retry, or the job's own retry, completes it) and a restart under load
//    (requests fail with 503 database_unavailable in the error shape, then succeed again with no
//    restart of the application);
//  - embedded: the process that owns the data directory killed while this one uses it (requests
//    fail cleanly or are retried on the reopened directory; nothing half-written either way).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { openEmbeddedDatabase, type EmbeddedDatabase } from '../../src/db/embedded-database.ts';
import { createPostgresDatabase } from '../../src/db/postgres-database.ts';
import { bearer, createTestApi, createWorkspaceWithKey, type TestApi, type TestWorkspace } from '../api/helpers.ts';
import { clonePostgresDatabase, type ClonedPostgresDatabase } from '../helpers/database.ts';
import { startEmbeddedOwner, type EmbeddedOwner } from '../helpers/embedded-owner-process.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { onPglite, onPostgres } from '../helpers/test-tier.ts';
import { checkWorkspaceConsistency, consistencyProblems } from '../helpers/workspace-consistency.ts';

function bigDocument(source: string, paragraphs: number) {
  const content = Array.from({ length: paragraphs }, (_, index) => `## Clause ${index}\n\nClause ${index} of the supply contract covers pallets, invoices and customs code ${index * 7}.`).join('\n\n');
  return { source, content: `# Supply contract\n\n${content}`, graph: false };
}

function post(api: TestApi, workspace: TestWorkspace, path: string, payload: Record<string, unknown>) {
  return api.app.inject({ method: 'POST', url: `/workspaces/${workspace.context.workspaceId}${path}`, headers: bearer(workspace.adminSecret), payload });
}

/** A response is either served or a clean database failure in the error shape; never anything else. */
function expectServedOrUnavailable(response: LightMyRequestResponse): 'served' | 'unavailable' {
  if (response.statusCode < 300) return 'served';
  expect(response.statusCode).toBe(503);
  expect(response.json().error).toMatchObject({ code: expect.stringMatching(/^(database_unavailable|not_ready)$/), message: expect.any(String) });
  return 'unavailable';
}

/** Several kinds of request, each lane one after another, until `stop()`; every outcome checked and returned in order. */
async function runLoad(api: TestApi, workspace: TestWorkspace, stop: () => boolean) {
  const outcomes: Array<'served' | 'unavailable'> = [];
  const lanes = [
    (index: number) => post(api, workspace, '/search', { query: `pallets invoices ${index}`, mode: 'hybrid' }),
    (index: number) => post(api, workspace, '/documents', { source: `load-${index}.md`, content: `# Load ${index}\n\nCustoms code ${index} for pallets.`, graph: false }),
    () => api.app.inject({ method: 'GET', url: `/workspaces/${workspace.context.workspaceId}/documents`, headers: bearer(workspace.adminSecret) }),
    () => api.app.inject({ method: 'GET', url: '/ready' }),
  ];
  await Promise.all(
    lanes.map(async (request) => {
      for (let index = 0; !stop(); index += 1) {
        outcomes.push(expectServedOrUnavailable(await request(index)));
        await sleep(10);
      }
    }),
  );
  return outcomes;
}

describe.runIf(onPostgres)('real PostgreSQL failing behind a proxy', () => {
  let cloned: ClonedPostgresDatabase;
  let proxy: TcpProxy;
  let direct: Database;
  let api: TestApi;

  beforeAll(async () => {
    cloned = await clonePostgresDatabase('migrated');
    proxy = await startTcpProxy(cloned.url);
    direct = createPostgresDatabase({ connectionString: cloned.url, max: 2 });
    const database = createPostgresDatabase({ connectionString: proxy.url, max: 10, connectionTimeoutMillis: 5_000 });
    api = await createTestApi({ database, ingestionJobs: { concurrency: 1, pollIntervalMs: 50 } });
  });
  afterAll(async () => {
    await api.close();
    await proxy.close();
    await direct.close();
    await cloned.drop();
  });

  /** Resolves once a transaction is open that has started inserting chunks. */
  async function writeTransactionStarted(): Promise<void> {
    await vi.waitFor(
      async () => {
        const { rows } = await direct.query<{ count: number }>(
          `SELECT count(*)::integer AS count FROM pg_stat_activity
           WHERE datname = current_database() AND xact_start IS NOT NULL AND query LIKE 'INSERT INTO chunks%'`,
        );
        expect(rows[0]!.count).toBeGreaterThan(0);
      },
      { timeout: 60_000, interval: 5 },
    );
  }

  it('drops the connection mid-ingestion: 503, no half document, and the retry completes it', async () => {
    const workspace = await createWorkspaceWithKey(direct);
    const document = bigDocument('contract.md', 600);
    const upload = post(api, workspace, '/documents', document);
    await writeTransactionStarted();
    proxy.cut();
    const failed = await upload;
    expect(failed.statusCode).toBe(503);
    expect(failed.json().error).toMatchObject({ code: 'database_unavailable' });
    const afterFailure = await checkWorkspaceConsistency(direct, workspace.context.workspaceId);
    expect(consistencyProblems(afterFailure)).toEqual([]);
    expect(afterFailure.documents).toBe(0);

    const retried = await post(api, workspace, '/documents', document);
    expect(retried.statusCode).toBe(201);
    const afterRetry = await checkWorkspaceConsistency(direct, workspace.context.workspaceId);
    expect(consistencyProblems(afterRetry)).toEqual([]);
    expect(afterRetry).toMatchObject({ documents: 1, chunks: retried.json().chunkCount });
  });

  it('retries a background job whose connection dropped mid-ingestion until it completes', async () => {
    const workspace = await createWorkspaceWithKey(direct);
    const accepted = await post(api, workspace, '/documents?async=true', bigDocument('contract.md', 600));
    expect(accepted.statusCode).toBe(202);
    const jobId = accepted.json().job.id as string;
    await writeTransactionStarted();
    proxy.cut();
    const readJob = async () =>
      (await api.app.inject({ method: 'GET', url: `/workspaces/${workspace.context.workspaceId}/documents/jobs/${jobId}`, headers: bearer(workspace.adminSecret) })).json();
    await vi.waitFor(async () => expect((await readJob()).status).toBe('succeeded'), { timeout: 120_000, interval: 100 });
    expect(await readJob()).toMatchObject({ attempts: 2, error: null, result: { status: 'created' } });
    expect(consistencyProblems(await checkWorkspaceConsistency(direct, workspace.context.workspaceId))).toEqual([]);
  }, 240_000);

  it('answers 503 while the server restarts under load, then serves again without a restart of its own', async () => {
    const workspace = await createWorkspaceWithKey(direct);
    let stopped = false;
    // Every response of the load is checked: served, or 503 in the error shape.
    const load = runLoad(api, workspace, () => stopped);
    await sleep(1_000);
    await proxy.down();
    const during = await Promise.all([post(api, workspace, '/search', { query: 'pallets', mode: 'text' }), api.app.inject({ method: 'GET', url: '/ready' })]);
    expect(during.map(expectServedOrUnavailable)).toEqual(['unavailable', 'unavailable']);
    await sleep(1_500);
    await proxy.up();
    await vi.waitFor(async () => expect((await post(api, workspace, '/search', { query: 'pallets', mode: 'text' })).statusCode).toBe(200), {
      timeout: 60_000,
      interval: 50,
    });
    stopped = true;
    const outcomes = await load;
    expect(outcomes).toContain('unavailable');
    expect(outcomes.at(-1)).toBe('served');
    expect(consistencyProblems(await checkWorkspaceConsistency(direct, workspace.context.workspaceId))).toEqual([]);
  });
});

describe.runIf(onPglite)('the embedded database when the process that owns it dies', () => {
  let directory: string;
  let owner: EmbeddedOwner;
  let api: TestApi;

  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'rs-owner-'));
    owner = await startEmbeddedOwner(path.join(directory, 'data'));
    // This process is a client of the owner's socket, as a second `ragspace` process would be.
    const database = await openEmbeddedDatabase({ dataDirectory: path.join(directory, 'data') });
    expect(database.isOwner).toBe(false);
    api = await createTestApi({ database, ingestionJobs: { concurrency: 1, pollIntervalMs: 50 } });
  });
  afterAll(async () => {
    await api.close();
    await owner.kill();
    await rm(directory, { recursive: true, force: true });
  });

  it('finishes or cleanly fails what was in flight, leaves nothing half-written, and serves on from the reopened directory', async () => {
    const workspace = await createWorkspaceWithKey(api.database);
    const document = bigDocument('contract.md', 400);
    let stop = false;
    const load = runLoad(api, workspace, () => stop);
    const upload = post(api, workspace, '/documents', document);
    await sleep(1_500);
    await owner.kill();
    const uploaded = await upload;
    expect(expectServedOrUnavailable(uploaded)).toBeDefined();
    // The next request reopens the directory (this process becomes its owner) and is served.
    await vi.waitFor(async () => expect((await post(api, workspace, '/search', { query: 'pallets', mode: 'text' })).statusCode).toBe(200), {
      timeout: 60_000,
      interval: 100,
    });
    expect((api.database as EmbeddedDatabase).isOwner).toBe(true);
    stop = true;
    const outcomes = await load;
    expect(outcomes).toContain('served');
    const retried = await post(api, workspace, '/documents', document);
    expect([200, 201]).toContain(retried.statusCode);
    expect(retried.json().status).toBe(uploaded.statusCode === 201 ? 'unchanged' : 'created');
    expect(consistencyProblems(await checkWorkspaceConsistency(api.database, workspace.context.workspaceId))).toEqual([]);
  }, 240_000);
});
