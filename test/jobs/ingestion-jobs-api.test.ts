// Uploads answered 202 through the HTTP API, with jobs in the database: accepted by one server
// process and run by another (or by the next one to start), fair between workspaces, bounded per
// workspace, and readable from any process.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { withWorkspace } from '../../src/db/workspace-scope.ts';
import { unpackJobContent, type JobContentEncoding } from '../../src/jobs/job-content.ts';
import { bearer, createTestApi, createWorkspaceWithKey, type TestApi, type TestWorkspace } from '../api/helpers.ts';
import { createTestDatabase } from '../helpers/database.ts';
import { readJob } from '../helpers/ingestion-job-requests.ts';

function upload(api: TestApi, workspace: TestWorkspace, source: string) {
  return api.app.inject({
    method: 'POST',
    url: `/workspaces/${workspace.context.workspaceId}/documents?async=true`,
    headers: bearer(workspace.adminSecret),
    payload: { source, content: `# ${source}\n\nThe ${source} procedure, step by step.`, graph: false },
  });
}

describe('ingestion jobs through the API', () => {
  let database: Database;
  // Accepts uploads but runs no jobs, like an API-only process (RAGSPACE_INGESTION_WORKERS=0).
  let acceptor: TestApi;

  beforeAll(async () => {
    database = await createTestDatabase();
    acceptor = await createTestApi({ database, ingestionJobs: { concurrency: 0, maximumWaitingJobs: 6 } });
  });
  afterAll(async () => {
    await acceptor.app.close();
    await database.close();
  });

  it('runs a job accepted while no worker ran in the next process to start, readable from either', async () => {
    const workspace = await createWorkspaceWithKey(database);
    const accepted = await upload(acceptor, workspace, 'later.md');
    expect(accepted.statusCode).toBe(202);
    const jobId = accepted.json().job.id;
    expect(await readJob(acceptor, workspace, jobId)).toMatchObject({ status: 'queued', attempts: 0 });

    const worker = await createTestApi({ database, ingestionJobs: { concurrency: 1, pollIntervalMs: 50 } });
    try {
      await vi.waitFor(async () => expect((await readJob(acceptor, workspace, jobId)).status).toBe('succeeded'), { timeout: 60_000, interval: 50 });
      const job = await readJob(worker, workspace, jobId);
      expect(job).toMatchObject({ status: 'succeeded', attempts: 1, result: { status: 'created', chunkCount: 1 }, error: null });
      const document = await acceptor.app.inject({
        method: 'GET',
        url: `/workspaces/${workspace.context.workspaceId}/documents/${job.result.documentId}`,
        headers: bearer(workspace.adminSecret),
      });
      expect(document.json()).toMatchObject({ source: 'later.md', chunkCount: 1 });
    } finally {
      await worker.app.close();
    }
  });

  it("neither refuses nor delays one workspace's upload behind another's backlog", async () => {
    const busy = await createWorkspaceWithKey(database);
    const quiet = await createWorkspaceWithKey(database);
    const busyJobs: string[] = [];
    for (let index = 0; index < 6; index += 1) {
      const response = await upload(acceptor, busy, `bulk-${index}.md`);
      expect(response.statusCode).toBe(202);
      busyJobs.push(response.json().job.id);
    }
    const refused = await upload(acceptor, busy, 'bulk-6.md');
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error).toMatchObject({ code: 'ingestion_queue_full', details: { waitingJobs: 6, maximumWaitingJobs: 6 } });
    const quietResponse = await upload(acceptor, quiet, 'urgent.md');
    expect(quietResponse.statusCode).toBe(202);
    const quietJob = quietResponse.json().job.id;

    // One worker, one job at a time: the quiet workspace's upload runs second, not seventh.
    const worker = await createTestApi({ database, ingestionJobs: { concurrency: 1, pollIntervalMs: 50 } });
    try {
      await vi.waitFor(async () => expect((await readJob(acceptor, busy, busyJobs[5]!)).status).toBe('succeeded'), { timeout: 120_000, interval: 100 });
    } finally {
      await worker.app.close();
    }
    const started = async (workspace: TestWorkspace, jobId: string) => new Date((await readJob(acceptor, workspace, jobId)).startedAt).getTime();
    const quietStart = await started(quiet, quietJob);
    expect(quietStart).toBeGreaterThanOrEqual(await started(busy, busyJobs[0]!));
    expect(quietStart).toBeLessThanOrEqual(await started(busy, busyJobs[1]!));
    expect((await readJob(acceptor, quiet, quietJob)).status).toBe('succeeded');
  });

  it('keeps uploads in the database and lets no other workspace read them', async () => {
    const owner = await createWorkspaceWithKey(database);
    const stranger = await createWorkspaceWithKey(database);
    const jobId = (await upload(acceptor, owner, 'private.md')).json().job.id;
    const foreign = await acceptor.app.inject({
      method: 'GET',
      url: `/workspaces/${stranger.context.workspaceId}/documents/jobs/${jobId}`,
      headers: bearer(stranger.adminSecret),
    });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().error.code).toBe('not_found');
    const stored = await withWorkspace(database, owner.context, (transaction) =>
      transaction.query<{ source: string; content: Uint8Array; encoding: JobContentEncoding }>(
        'SELECT source, content, content_encoding AS encoding FROM ingestion_jobs WHERE workspace_id = $1 AND id = $2',
        [owner.context.workspaceId, jobId],
      ),
    );
    expect(stored.rows.map((row) => row.source)).toEqual(['private.md']);
    const { content, encoding } = stored.rows[0]!;
    expect((await unpackJobContent(content, encoding)).toString('utf8')).toBe('# private.md\n\nThe private.md procedure, step by step.');
    const deleted = await acceptor.app.inject({
      method: 'DELETE',
      url: `/workspaces/${owner.context.workspaceId}?confirm=${(await acceptor.app.inject({ method: 'GET', url: `/workspaces/${owner.context.workspaceId}`, headers: bearer(owner.adminSecret) })).json().slug}`,
      headers: bearer(owner.adminSecret),
    });
    expect(deleted.statusCode).toBe(204);
    const left = await withWorkspace(database, owner.context, (transaction) => transaction.query('SELECT id FROM ingestion_jobs'));
    expect(left.rows).toEqual([]);
  });
});
