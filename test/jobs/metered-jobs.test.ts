// Background uploads are metered as synchronous ones are: an upload the workspace has no room for
// is refused when it is sent (429, not a failed job); a job whose room was taken while it waited
// fails with quota_exceeded in its write transaction, storing nothing; and the worker records each
// job's usage (flushed when its server closes), with the request id of the upload that queued it.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { withWorkspace } from '../../src/db/workspace-scope.ts';
import { bearer, createTestApi, createWorkspaceWithKey, type TestApi, type TestWorkspace } from '../api/helpers.ts';
import { createTestDatabase } from '../helpers/database.ts';
import { readJob } from '../helpers/ingestion-job-requests.ts';
import { setLimitOverrides } from '../helpers/limits.ts';

const contentOf = (source: string) => `# ${source}\n\nThe ${source} procedure, step by step.`;

function upload(api: TestApi, workspace: TestWorkspace, source: string) {
  return api.app.inject({
    method: 'POST',
    url: `/workspaces/${workspace.context.workspaceId}/documents?async=true`,
    headers: bearer(workspace.adminSecret),
    payload: { source, content: contentOf(source), graph: false },
  });
}

describe('metered background uploads', () => {
  let database: Database;
  // Accepts uploads but runs no jobs (RAGSPACE_INGESTION_WORKERS=0), so both are queued before either runs.
  let acceptor: TestApi;

  beforeAll(async () => {
    database = await createTestDatabase();
    acceptor = await createTestApi({ database, ingestionJobs: { concurrency: 0 } });
  });
  afterAll(async () => {
    await acceptor.app.close();
    await database.close();
  });

  it('refuses an upload without room when it is sent, re-checks the quota where the job writes, and records each job’s usage', async () => {
    const workspace = await createWorkspaceWithKey(database);
    await setLimitOverrides(database, workspace.context.workspaceId, { documents: 1 });
    const accepted = [await upload(acceptor, workspace, 'first.md'), await upload(acceptor, workspace, 'second.md')];
    expect(accepted.map((response) => response.statusCode)).toEqual([202, 202]);
    const [firstJob, secondJob] = accepted.map((response) => response.json().job.id as string);

    const worker = await createTestApi({ database, ingestionJobs: { concurrency: 1, pollIntervalMs: 50 } });
    try {
      await vi.waitFor(
        async () => {
          for (const jobId of [firstJob!, secondJob!]) expect(['succeeded', 'failed']).toContain((await readJob(acceptor, workspace, jobId)).status);
        },
        { timeout: 60_000, interval: 50 },
      );
    } finally {
      // Closing the server flushes its usage recorder.
      await worker.app.close();
    }
    // One job at a time, oldest first: the first takes the only slot, the second is refused where it writes.
    expect(await readJob(acceptor, workspace, firstJob!)).toMatchObject({ status: 'succeeded', result: { status: 'created' } });
    expect(await readJob(acceptor, workspace, secondJob!)).toMatchObject({ status: 'failed', error: { code: 'quota_exceeded' } });
    const listed = await acceptor.app.inject({ method: 'GET', url: `/workspaces/${workspace.context.workspaceId}/documents`, headers: bearer(workspace.adminSecret) });
    expect((listed.json() as { items: Array<{ source: string }> }).items.map((document) => document.source)).toEqual(['first.md']);

    // Now the quota is known to be full: refused at once, and nothing is queued.
    const refused = await upload(acceptor, workspace, 'third.md');
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ error: { code: 'quota_exceeded', details: { quota: 'documents', limit: 1, used: 1, resetsAt: null } } });

    const { jobs, usage } = await withWorkspace(database, workspace.context, async (transaction) => ({
      jobs: (await transaction.query<{ count: number }>('SELECT count(*)::integer AS count FROM ingestion_jobs WHERE workspace_id = $1', [workspace.context.workspaceId]))
        .rows[0]!.count,
      usage: (
        await transaction.query<{ documents: number; bytes: string | number; outcome: string; requestId: string }>(
          `SELECT documents, bytes, outcome, request_id AS "requestId" FROM usage_events
           WHERE workspace_id = $1 AND kind = 'ingestion' ORDER BY documents DESC`,
          [workspace.context.workspaceId],
        )
      ).rows,
    }));
    expect(jobs).toBe(2);
    expect(usage.map((row) => ({ ...row, bytes: Number(row.bytes) }))).toEqual([
      { documents: 1, bytes: Buffer.byteLength(contentOf('first.md')), outcome: 'ok', requestId: accepted[0]!.headers['x-request-id'] },
      { documents: 0, bytes: Buffer.byteLength(contentOf('second.md')), outcome: 'quota_exceeded', requestId: accepted[1]!.headers['x-request-id'] },
    ]);
  });
});
