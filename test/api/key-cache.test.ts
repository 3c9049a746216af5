// The key check without a database round trip (issue 10), across server processes (issue 12):
// two apps, each with its own connections to one database, stand in for two server processes.
// A key once seen costs no query; a key revoked, expired, deleted or rotated away in one fails in
// the other within a second, on both tiers.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { openEmbeddedDatabase } from '../../src/db/embedded-database.ts';
import { migrate } from '../../src/db/migrations.ts';
import { createPostgresDatabase } from '../../src/db/postgres-database.ts';
import { issuePlatformKey } from '../../src/tenancy/platform-keys.ts';
import { clonePostgresDatabase } from '../helpers/database.ts';
import { recordStatements, type RecordingDatabase } from '../helpers/recording-database.ts';
import { onPostgres } from '../helpers/test-tier.ts';
import { bearer, createOrganizationKey, createTestApi, createWorkspaceWithKey, keyPepper, type TestApi } from './helpers.ts';

/** src/tenancy/credential-cache.ts: a change reaches every process within this bound. */
const revocationBoundMs = 1_000;

/** Two independent connections to one database: two pools on the real server, or owner and socket client of one data directory. */
async function openTwice(): Promise<{ first: Database; second: Database; close(): Promise<void> }> {
  if (onPostgres) {
    const cloned = await clonePostgresDatabase('migrated');
    return {
      first: createPostgresDatabase({ connectionString: cloned.url, max: 4 }),
      second: createPostgresDatabase({ connectionString: cloned.url, max: 4 }),
      close: () => cloned.drop(),
    };
  }
  const dataDirectory = await mkdtemp(path.join(os.tmpdir(), 'rs-keys-'));
  const first = await openEmbeddedDatabase({ dataDirectory });
  await migrate(first);
  const second = await openEmbeddedDatabase({ dataDirectory });
  return { first, second, close: () => rm(dataDirectory, { recursive: true, force: true }) };
}

describe('the key cache of two server processes on one database', () => {
  let databases: Awaited<ReturnType<typeof openTwice>>;
  let recorded: RecordingDatabase;
  let one: TestApi;
  let two: TestApi;

  // Authentication's own lookups (src/tenancy/credentials.ts); a failed authentication's audit
  // event (src/tenancy/audit.ts) looks its prefix up apart from them, on purpose.
  const keyLookups = () => recorded.statements.filter((sql) => /^SELECT 'rs[kop]' AS kind\b/.test(sql.trim())).length;
  const get = (api: TestApi, url: string, key: string) => api.app.inject({ method: 'GET', url, headers: bearer(key) });

  beforeAll(async () => {
    databases = await openTwice();
    recorded = recordStatements(databases.first);
    one = await createTestApi({ database: recorded });
    two = await createTestApi({ database: databases.second });
  });
  afterAll(async () => {
    // The embedded owner (first) hands over last.
    await two.close();
    await one.close();
    await databases.close();
  });

  it('authenticates a key it has seen, a wrong secret behind its prefix and an unknown prefix without a query', async () => {
    const workspace = await createWorkspaceWithKey(one.database);
    const url = `/workspaces/${workspace.context.workspaceId}`;
    recorded.clear();
    expect((await get(one, url, workspace.adminSecret)).statusCode).toBe(200);
    expect(keyLookups()).toBe(1);
    for (let request = 0; request < 5; request += 1) expect((await get(one, url, workspace.adminSecret)).statusCode).toBe(200);
    const wrongSecret = `${workspace.adminSecret.slice(0, -4)}${workspace.adminSecret.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    expect((await get(one, url, wrongSecret)).statusCode).toBe(401);
    expect(keyLookups()).toBe(1);
    const unknown = `rsk_zzzzzzzzzzzz_${'A'.repeat(43)}`;
    expect((await get(one, url, unknown)).statusCode).toBe(401);
    expect((await get(one, url, unknown)).statusCode).toBe(401);
    expect(keyLookups()).toBe(2);
  });

  it('stops a workspace key revoked in one process at once there and within a second in the other', async () => {
    const workspace = await createWorkspaceWithKey(one.database);
    const secret = await workspace.keyFor(['search']);
    const url = `/workspaces/${workspace.context.workspaceId}`;
    expect((await get(one, url, secret)).statusCode).toBe(200);
    expect((await get(two, url, secret)).statusCode).toBe(200);
    const prefix = secret.split('_').slice(0, 2).join('_');
    const revoked = await two.app.inject({ method: 'DELETE', url: `${url}/api-keys/${prefix}`, headers: bearer(workspace.adminSecret) });
    expect(revoked.statusCode).toBe(200);
    expect((await get(two, url, secret)).statusCode).toBe(401);
    await sleep(revocationBoundMs);
    expect((await get(one, url, secret)).statusCode).toBe(401);
    expect((await get(one, url, workspace.adminSecret)).statusCode).toBe(200);
  });

  it('stops the keys of a deleted workspace and a revoked organization key in the other process within a second', async () => {
    const workspace = await createWorkspaceWithKey(one.database);
    const organizationKey = await createOrganizationKey(one.database, workspace.context.organizationId);
    const url = `/workspaces/${workspace.context.workspaceId}`;
    const organizationUrl = `/organizations/${workspace.context.organizationId}`;
    expect((await get(two, url, workspace.adminSecret)).statusCode).toBe(200);
    expect((await get(two, organizationUrl, organizationKey)).statusCode).toBe(200);

    const slug = (await get(one, url, workspace.adminSecret)).json().slug;
    expect((await one.app.inject({ method: 'DELETE', url: `${url}?confirm=${slug}`, headers: bearer(workspace.adminSecret) })).statusCode).toBe(204);
    const keyId = (await get(one, `${organizationUrl}/api-keys`, organizationKey)).json().items[0].id;
    expect((await one.app.inject({ method: 'DELETE', url: `${organizationUrl}/api-keys/${keyId}`, headers: bearer(organizationKey) })).statusCode).toBe(200);
    await sleep(revocationBoundMs);
    expect((await get(two, url, workspace.adminSecret)).statusCode).toBe(401);
    expect((await get(two, organizationUrl, organizationKey)).statusCode).toBe(401);
  });

  it('stops a rotated-away platform key in every process within a second, and takes the new one', async () => {
    const first = await issuePlatformKey(one.database, keyPepper, { name: 'first', revokeOthers: true });
    expect((await get(one, '/organizations', first.secret)).statusCode).toBe(200);
    expect((await get(two, '/organizations', first.secret)).statusCode).toBe(200);
    // `ragspace platform-key rotate`, from a third process.
    const second = await issuePlatformKey(databases.second, keyPepper, { name: 'second', revokeOthers: true });
    expect(second.revoked).toBe(1);
    await sleep(revocationBoundMs);
    for (const api of [one, two]) {
      expect((await get(api, '/organizations', first.secret)).statusCode).toBe(401);
      expect((await get(api, '/organizations', second.secret)).statusCode).toBe(200);
    }
  });
});
