// The ingestion job queue in PostgreSQL, on both tiers: fair claims across workspaces, the plan's
// concurrent-job limit, leases that expire after a crash (an injected clock stands in for time),
// at most one completion, bounded waiting, and jobs as tenant data (RLS, gone with the workspace).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { withControlPlane, withWorkspace } from '../../src/db/workspace-scope.ts';
import {
  claimIngestionJob,
  enqueueIngestionJob,
  finishIngestionJob,
  getIngestionJob,
  pruneFinishedJobs,
  retryIngestionJobLater,
  type ClaimedJob,
  type JobUpload,
  type LeaseSettings,
  type QueueBounds,
} from '../../src/jobs/ingestion-jobs.ts';
import type { WorkspaceContext } from '../../src/tenancy/workspace-context.ts';
import { deleteWorkspace } from '../../src/tenancy/workspaces.ts';
import { createTestDatabase, createTestTenant } from '../helpers/database.ts';

const lease: LeaseSettings = { leaseMs: 60_000, maximumAttempts: 3 };
const roomy: QueueBounds = { maximumWaitingJobs: 100, maximumWaitingBytes: 1024 * 1024 };
const t0 = new Date('2030-01-01T00:00:00Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

function upload(source: string, content = `# ${source}\n\nSome text about ${source}.`): JobUpload {
  return { input: { source, content, metadata: { origin: 'test' } }, options: { chunkSize: 256 }, sizeBytes: Buffer.byteLength(content) };
}

async function setConcurrentJobs(database: Database, context: WorkspaceContext, limit: number | null): Promise<void> {
  await withControlPlane(database, (transaction) =>
    transaction.query(`UPDATE workspaces SET limit_overrides = jsonb_build_object('concurrentIngestionJobs', $2::integer) WHERE id = $1`, [
      context.workspaceId,
      limit,
    ]),
  );
}

const succeed = (claimed: ClaimedJob) =>
  finishIngestionJob(database, claimed, { result: { documentId: claimed.job.id, status: 'created', chunkCount: 1 } }, at(1));

let database: Database;

describe('the ingestion job queue', () => {
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.close());
  // Each test sees only its own jobs: whatever one leaves queued or running is finished here.
  afterEach(async () => {
    await withControlPlane(database, (transaction) =>
      transaction.query(
        `UPDATE ingestion_jobs SET status = 'failed', finished_at = $1, content = NULL, lease_token = NULL, lease_expires_at = NULL
         WHERE status IN ('queued', 'running')`,
        [t0],
      ),
    );
  });

  it('keeps an upload with everything ingestion needs, readable only in its workspace', async () => {
    const tenant = await createTestTenant(database);
    const other = await createTestTenant(database);
    const bytes = new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x00, 0xff]);
    const text = await enqueueIngestionJob(database, tenant, upload('notes/é.md'), roomy, t0);
    const binary = await enqueueIngestionJob(
      database,
      tenant,
      { input: { source: 'scan.pdf', content: bytes, title: 'Scan', contentType: 'application/pdf' }, options: { graph: false }, sizeBytes: 6 },
      roomy,
      at(1),
    );
    expect(text).toMatchObject({ status: 'queued', attempts: 0, source: 'notes/é.md', workspaceId: tenant.workspaceId, result: null, error: null });
    expect(await getIngestionJob(database, tenant, binary.id)).toMatchObject({ id: binary.id, sizeBytes: 6, status: 'queued' });
    await expect(getIngestionJob(database, other, binary.id)).rejects.toMatchObject({ code: 'not_found' });

    // Raw SQL as the application role: its own workspace's jobs only, and none without a workspace.
    const visible = await withWorkspace(database, other, (transaction) => transaction.query('SELECT id FROM ingestion_jobs'));
    expect(visible.rows).toEqual([]);
    const unscoped = await database.transaction(async (transaction) => {
      await transaction.query('SET LOCAL ROLE ragspace_app');
      return transaction.query('SELECT id FROM ingestion_jobs');
    });
    expect(unscoped.rows).toEqual([]);

    // What a worker gets back is what was uploaded, text as text and bytes as bytes.
    const first = await claimIngestionJob(database, lease, at(2));
    const second = await claimIngestionJob(database, { ...lease }, at(2));
    expect(first?.upload).toEqual({ input: upload('notes/é.md').input, options: { chunkSize: 256 } });
    expect(first?.context).toMatchObject({ workspaceId: tenant.workspaceId, organizationId: tenant.organizationId, scopes: ['documents:write'] });
    // The free plan runs one job of a workspace at a time.
    expect(second).toBeNull();
    await succeed(first!);
    const next = await claimIngestionJob(database, lease, at(3));
    expect(next?.upload).toEqual({ input: { source: 'scan.pdf', content: bytes, title: 'Scan', contentType: 'application/pdf' }, options: { graph: false } });
    await succeed(next!);
  });

  it('stores an upload gzip-compressed, and still runs one an earlier version stored as it came', async () => {
    const tenant = await createTestTenant(database);
    const prose = `# Refunds\n\n${'Every order may be refunded within thirty days of delivery. '.repeat(2_000)}`;
    const compressed = await enqueueIngestionJob(database, tenant, upload('refunds.md', prose), roomy, t0);
    const legacyText = '# Legacy\n\nQueued before uploads were compressed.';
    const stored = await withWorkspace(database, tenant, async (transaction) => {
      await transaction.query(
        `INSERT INTO ingestion_jobs (workspace_id, source, size_bytes, request, content, created_at, run_after)
         VALUES ($1, 'legacy.md', $2, $3, $4, $5, $5)`,
        [tenant.workspaceId, Buffer.byteLength(legacyText), { text: true, options: {}, apiKeyId: null, customerId: null }, Buffer.from(legacyText), at(1)],
      );
      const { rows } = await transaction.query<{ source: string; encoding: string; bytes: number }>(
        `SELECT source, content_encoding AS encoding, octet_length(content) AS bytes FROM ingestion_jobs WHERE workspace_id = $1 ORDER BY created_at`,
        [tenant.workspaceId],
      );
      return rows;
    });
    expect(stored.map(({ source, encoding }) => [source, encoding])).toEqual([
      ['refunds.md', 'gzip'],
      ['legacy.md', 'identity'],
    ]);
    expect(stored[0]!.bytes).toBeLessThan(Buffer.byteLength(prose) / 20);
    expect((await getIngestionJob(database, tenant, compressed.id)).sizeBytes).toBe(Buffer.byteLength(prose));

    const first = (await claimIngestionJob(database, lease, at(2)))!;
    expect(first.upload.input).toEqual(upload('refunds.md', prose).input);
    await succeed(first);
    const second = (await claimIngestionJob(database, lease, at(3)))!;
    expect(second.upload).toEqual({ input: { source: 'legacy.md', content: legacyText }, options: {} });
    await succeed(second);
  });

  it("serves a workspace's single upload next, not after another workspace's twenty", async () => {
    const busy = await createTestTenant(database);
    const quiet = await createTestTenant(database);
    // No limit at all for the busy workspace: fairness must come from the order of claims.
    await setConcurrentJobs(database, busy, null);
    const bounds = { ...roomy, maximumWaitingJobs: 20 };
    for (let index = 0; index < 20; index += 1) await enqueueIngestionJob(database, busy, upload(`bulk/${index}.md`), bounds, at(index));
    await expect(enqueueIngestionJob(database, busy, upload('bulk/20.md'), bounds, at(20))).rejects.toMatchObject({
      code: 'ingestion_queue_full',
      statusCode: 429,
    });
    // The other workspace is neither refused nor queued behind them.
    await enqueueIngestionJob(database, quiet, upload('urgent.md'), bounds, at(21));

    const claims: ClaimedJob[] = [];
    for (let index = 0; index < 4; index += 1) claims.push((await claimIngestionJob(database, lease, at(30)))!);
    expect(claims.map((claim) => claim.job.source)).toEqual(['bulk/0.md', 'urgent.md', 'bulk/1.md', 'bulk/2.md']);
  });

  it('takes turns between workspaces when jobs run one at a time', async () => {
    const busy = await createTestTenant(database);
    const quiet = await createTestTenant(database);
    for (let index = 0; index < 3; index += 1) await enqueueIngestionJob(database, busy, upload(`busy/${index}.md`), roomy, at(index));
    await enqueueIngestionJob(database, quiet, upload('quiet/0.md'), roomy, at(5));
    await enqueueIngestionJob(database, quiet, upload('quiet/1.md'), roomy, at(6));
    const order: string[] = [];
    for (let step = 0; step < 5; step += 1) {
      const claimed = (await claimIngestionJob(database, lease, at(10 + step)))!;
      order.push(claimed.job.source);
      await succeed(claimed);
    }
    expect(order).toEqual(['busy/0.md', 'quiet/0.md', 'busy/1.md', 'quiet/1.md', 'busy/2.md']);
  });

  it("runs no more of a workspace's jobs at once than its plan allows", async () => {
    const tenant = await createTestTenant(database);
    for (const [index, name] of ['a', 'b', 'c'].entries()) await enqueueIngestionJob(database, tenant, upload(`${name}.md`), roomy, at(index - 3));
    const a = (await claimIngestionJob(database, lease, at(1)))!;
    expect(await claimIngestionJob(database, lease, at(1))).toBeNull();
    await setConcurrentJobs(database, tenant, 2);
    const b = (await claimIngestionJob(database, lease, at(1)))!;
    expect(await claimIngestionJob(database, lease, at(1))).toBeNull();
    expect(await succeed(a)).toBe(true);
    const c = (await claimIngestionJob(database, lease, at(2)))!;
    expect([a, b, c].map((claim) => claim.job.source)).toEqual(['a.md', 'b.md', 'c.md']);
  });

  it("returns a crashed worker's job to the queue when its lease expires, and only the new holder finishes it", async () => {
    const tenant = await createTestTenant(database);
    const job = await enqueueIngestionJob(database, tenant, upload('crash.md'), roomy, t0);
    const crashed = (await claimIngestionJob(database, lease, at(1)))!;
    expect(crashed.job).toMatchObject({ id: job.id, status: 'running', attempts: 1 });
    // The worker "dies": no renewal, no outcome. Before the lease expires the job stays its.
    expect(await claimIngestionJob(database, lease, at(60))).toBeNull();
    const retried = (await claimIngestionJob(database, lease, at(62)))!;
    expect(retried.job).toMatchObject({ id: job.id, status: 'running', attempts: 2 });
    expect(retried.leaseToken).not.toBe(crashed.leaseToken);

    // The first worker comes back to life: its outcome is not recorded.
    expect(await finishIngestionJob(database, crashed, { error: { code: 'late', message: 'too late' } }, at(63))).toBe(false);
    expect(await succeed(retried)).toBe(true);
    expect(await succeed(retried)).toBe(false);
    const finished = await getIngestionJob(database, tenant, job.id);
    expect(finished).toMatchObject({ status: 'succeeded', attempts: 2, error: null, result: { status: 'created' } });
    const content = await withWorkspace(database, tenant, (transaction) =>
      transaction.query<{ content: unknown }>('SELECT content FROM ingestion_jobs WHERE workspace_id = $1 AND id = $2', [tenant.workspaceId, job.id]),
    );
    expect(content.rows[0]!.content).toBeNull();
  });

  it('fails a job whose worker keeps dying, once it has used its attempts', async () => {
    const tenant = await createTestTenant(database);
    const job = await enqueueIngestionJob(database, tenant, upload('poison.md'), roomy, t0);
    const twice = { ...lease, maximumAttempts: 2 };
    expect((await claimIngestionJob(database, twice, at(1)))?.job.attempts).toBe(1);
    expect((await claimIngestionJob(database, twice, at(100)))?.job.attempts).toBe(2);
    expect(await claimIngestionJob(database, twice, at(200))).toBeNull();
    expect(await getIngestionJob(database, tenant, job.id)).toMatchObject({
      status: 'failed',
      attempts: 2,
      error: { code: 'job_abandoned', message: expect.stringContaining('2 times') },
    });
  });

  it('retries a job interrupted by a transient failure after a pause, showing why meanwhile', async () => {
    const tenant = await createTestTenant(database);
    const job = await enqueueIngestionJob(database, tenant, upload('flaky.md'), roomy, t0);
    const first = (await claimIngestionJob(database, lease, at(1)))!;
    const error = { code: 'database_unavailable', message: 'The database cannot be reached right now; retry shortly' };
    expect(await retryIngestionJobLater(database, first, error, lease, 5_000, at(2))).toBe(true);
    expect(await getIngestionJob(database, tenant, job.id)).toMatchObject({ status: 'queued', error });
    expect(await claimIngestionJob(database, lease, at(6))).toBeNull();
    const second = (await claimIngestionJob(database, lease, at(7)))!;
    expect(second.job).toMatchObject({ id: job.id, attempts: 2 });
    await succeed(second);
    expect(await getIngestionJob(database, tenant, job.id)).toMatchObject({ status: 'succeeded', error: null });
  });

  it('lets exactly the allowed number of concurrent uploads wait, and concurrent claimers respect the limit', async () => {
    const tenant = await createTestTenant(database);
    await setConcurrentJobs(database, tenant, 3);
    const bounds = { ...roomy, maximumWaitingJobs: 5 };
    const outcomes = await Promise.allSettled(
      Array.from({ length: 12 }, (_, index) => enqueueIngestionJob(database, tenant, upload(`race/${index}.md`), bounds, at(index))),
    );
    const accepted = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const refused = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as { code: string }] : []));
    expect(accepted).toHaveLength(5);
    expect(refused.map((reason) => reason.code)).toEqual(Array(7).fill('ingestion_queue_full'));

    const claims = await Promise.all(Array.from({ length: 8 }, () => claimIngestionJob(database, lease, at(20))));
    const held = claims.filter((claim): claim is ClaimedJob => claim !== null);
    expect(held).toHaveLength(3);
    expect(new Set(held.map((claim) => claim.job.id)).size).toBe(3);
  });

  it('holds a suspended workspace\'s uploads until it is active again', async () => {
    const tenant = await createTestTenant(database);
    const job = await enqueueIngestionJob(database, tenant, upload('held.md'), roomy, t0);
    await withControlPlane(database, (transaction) => transaction.query(`UPDATE workspaces SET status = 'suspended' WHERE id = $1`, [tenant.workspaceId]));
    expect(await claimIngestionJob(database, lease, at(1))).toBeNull();
    await withControlPlane(database, (transaction) => transaction.query(`UPDATE workspaces SET status = 'active' WHERE id = $1`, [tenant.workspaceId]));
    const claimed = (await claimIngestionJob(database, lease, at(2)))!;
    expect(claimed.job.id).toBe(job.id);
    await succeed(claimed);
  });

  it('goes with its workspace, running or not, and prunes finished jobs after their retention', async () => {
    const doomed = await createTestTenant(database);
    const kept = await createTestTenant(database);
    await enqueueIngestionJob(database, doomed, upload('one.md'), roomy, t0);
    await enqueueIngestionJob(database, doomed, upload('two.md'), roomy, t0);
    const running = (await claimIngestionJob(database, lease, at(1)))!;
    expect(running.context.workspaceId).toBe(doomed.workspaceId);
    await deleteWorkspace(database, doomed.workspaceId);
    const left = await withControlPlane(database, (transaction) =>
      transaction.query('SELECT id FROM ingestion_jobs WHERE workspace_id = $1', [doomed.workspaceId]),
    );
    expect(left.rows).toEqual([]);
    // The worker that held the running job finds nothing to finish.
    expect(await succeed(running)).toBe(false);

    const old = await enqueueIngestionJob(database, kept, upload('old.md'), roomy, t0);
    await succeed((await claimIngestionJob(database, lease, at(2)))!);
    expect(await pruneFinishedJobs(database, at(0))).toBe(0);
    expect(await pruneFinishedJobs(database, at(3))).toBeGreaterThanOrEqual(1);
    await expect(getIngestionJob(database, kept, old.id)).rejects.toMatchObject({ code: 'not_found' });
  });
});
