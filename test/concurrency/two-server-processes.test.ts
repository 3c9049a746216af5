// Two `ragspace serve` processes on one database, as a deployment scales out: started at the same
// moment they apply the migrations once (on the real server, from an empty database), both serve,
// a key created through one works on the other, a key revoked through one fails at once there and
// within a second on the other, and together they run a workspace's jobs no more than its plan allows at a time.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { readMigrations } from '../../src/db/migrations.ts';
import { withControlPlane } from '../../src/db/workspace-scope.ts';
import { createServerEnvironment, startServerProcess, type ServerEnvironment, type ServerProcess } from '../helpers/server-process.ts';

const adminKey = 'two-process-platform-admin-key-0123456789abcdef';

/** The fields these tests read from responses. */
interface Body {
  id: string;
  secret: string;
  apiKey: { id: string };
  job: { id: string };
  error: { code: string };
}

async function api(server: ServerProcess, key: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as Body };
}

describe('two server processes on one database', () => {
  let environment: ServerEnvironment;
  let servers: ServerProcess[] = [];
  let database: Database;

  beforeAll(async () => {
    environment = await createServerEnvironment({ migrated: false });
    const variables = { ...environment.variables, RAGSPACE_ADMIN_KEY: adminKey, RAGSPACE_INGESTION_WORKERS: '2' };
    servers = await Promise.all([startServerProcess(variables), startServerProcess(variables)]);
    database = await environment.connect();
  }, 300_000);
  afterAll(async () => {
    await database?.close();
    await Promise.all(servers.map((server) => server.stop()));
    await environment.close();
  });

  it('migrate once and both serve', async () => {
    const { rows } = await database.query<{ version: number; copies: number }>(
      'SELECT version, count(*)::integer AS copies FROM schema_migrations GROUP BY version ORDER BY version',
    );
    expect(rows.map((row) => row.version)).toEqual((await readMigrations()).map((migration) => migration.version));
    expect(rows.every((row) => row.copies === 1)).toBe(true);
    for (const server of servers) expect((await fetch(`${server.baseUrl}/ready`)).status).toBe(200);
  });

  it("agree on keys: one process's new key works on the other, and a revocation on one holds there at once and on the other within a second", async () => {
    const [first, second] = servers as [ServerProcess, ServerProcess];
    const organization = await api(first, adminKey, 'POST', '/organizations', { name: 'Two Process Co' });
    expect(organization.status).toBe(201);
    const workspace = await api(second, adminKey, 'POST', `/organizations/${organization.body.id}/workspaces`, { name: 'Shared' });
    expect(workspace.status).toBe(201);
    const base = `/workspaces/${workspace.body.id}`;
    const created = await api(first, adminKey, 'POST', `${base}/api-keys`, { scopes: ['search', 'documents:write'] });
    expect(created.status).toBe(201);
    const key = created.body.secret;

    // Used on both, so a cache in either would now hold it.
    for (const server of servers) expect((await api(server, key, 'GET', `${base}/documents`)).status).toBe(200);
    expect((await api(second, adminKey, 'DELETE', `${base}/api-keys/${created.body.apiKey.id}`)).status).toBe(200);
    const expectRefused = async (server: ServerProcess) => {
      const refused = await api(server, key, 'GET', `${base}/documents`);
      expect(refused.status).toBe(401);
      expect(refused.body.error.code).toBe('unauthorized');
    };
    // The revoking process refuses the key at once; every other one within a second however
    // busy it is (its key cache is trusted only shortly after a poll of the credential change log).
    await expectRefused(second);
    await sleep(1_000);
    await expectRefused(first);
  });

  it("run no more of a workspace's jobs at once than its plan allows between them, and report them from either", async () => {
    const [first] = servers as [ServerProcess, ServerProcess];
    const organization = await api(first, adminKey, 'POST', '/organizations', { name: 'Jobs Co' });
    const workspace = await api(first, adminKey, 'POST', `/organizations/${organization.body.id}/workspaces`, { name: 'Bulk' });
    const base = `/workspaces/${workspace.body.id}`;
    const key = (await api(first, adminKey, 'POST', `${base}/api-keys`, { scopes: ['documents:write'] })).body.secret;
    const paragraph = 'Freight manifests list every pallet that leaves the dock, with its customs code. ';
    const jobs: string[] = [];
    for (let index = 0; index < 6; index += 1) {
      const server = servers[index % 2]!;
      const accepted = await api(server, key, 'POST', `${base}/documents?async=true`, {
        source: `manifest-${index}.md`,
        content: `# Manifest ${index}\n\n${paragraph.repeat(80)}`,
      });
      expect(accepted.status).toBe(202);
      jobs.push(accepted.body.job.id);
    }
    let mostRunning = 0;
    for (;;) {
      const { rows } = await withControlPlane(database, (transaction) =>
        transaction.query<{ status: string; count: number }>(
          'SELECT status, count(*)::integer AS count FROM ingestion_jobs WHERE workspace_id = $1 GROUP BY status',
          [workspace.body.id],
        ),
      );
      const count = (status: string) => rows.find((row) => row.status === status)?.count ?? 0;
      mostRunning = Math.max(mostRunning, count('running'));
      if (count('succeeded') + count('failed') === jobs.length) break;
      await sleep(20);
    }
    expect(mostRunning).toBe(1);
    for (const [index, jobId] of jobs.entries()) {
      const job = await api(servers[(index + 1) % 2]!, key, 'GET', `${base}/documents/jobs/${jobId}`);
      expect(job.body).toMatchObject({ status: 'succeeded', attempts: 1, result: { status: 'created' } });
    }
  }, 300_000);
});
