// The key cache and the credential change log it polls (src/tenancy/credential-cache.ts,
// sql/701_credential_changes.sql): seen keys cost no query, a change drops exactly its key, and a
// cache that has not heard from the log for its staleness bound is not trusted.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { withWorkspace } from '../../src/db/workspace-scope.ts';
import { createApiKey, revokeApiKey } from '../../src/tenancy/api-keys.ts';
import { createCredentialCache, type CredentialCache, type CredentialCacheOptions } from '../../src/tenancy/credential-cache.ts';
import { recordCredentialUse, type StoredCredential } from '../../src/tenancy/credentials.ts';
import { deleteWorkspace } from '../../src/tenancy/workspaces.ts';
import type { WorkspaceContext } from '../../src/tenancy/workspace-context.ts';
import { createTestDatabase, createTestTenant } from '../helpers/database.ts';
import { recordStatements, type RecordingDatabase } from '../helpers/recording-database.ts';

const pepper = 'credential-cache-test-pepper-0123456789abcdef';
// Long enough that no timed poll happens during a test: each test polls by refresh().
const noTimedPolls = { pollIntervalMs: 3_600_000, maxStalenessMs: 3_600_000 };

describe('credential cache', () => {
  let database: Database;
  let recorded: RecordingDatabase;
  let tenant: WorkspaceContext;
  let cache: CredentialCache | undefined;

  const keyLookups = () => recorded.statements.filter((sql) => /FROM (api_keys|organization_api_keys|platform_api_keys)\b/.test(sql)).length;
  const newKey = async () => (await createApiKey(database, pepper, tenant, { scopes: ['search'] })).apiKey;
  async function openCache(options: Partial<CredentialCacheOptions> = noTimedPolls): Promise<CredentialCache> {
    cache = createCredentialCache({ database: recorded, ...options });
    cache.start();
    await cache.refresh();
    return cache;
  }
  async function changeLog(): Promise<{ version: number; prefixes: string[] }> {
    const { rows } = await database.query<{ version: string; prefixes: string[] }>(
      `SELECT (SELECT version FROM credential_change_counter)::text AS version,
              ARRAY(SELECT prefix FROM credential_changes ORDER BY version) AS prefixes`,
    );
    return { version: Number(rows[0]!.version), prefixes: rows[0]!.prefixes };
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    recorded = recordStatements(database);
    tenant = await createTestTenant(database);
  });
  afterEach(async () => {
    await cache?.close();
    cache = undefined;
  });
  afterAll(() => database.close());

  it('answers a key it has seen, and a prefix it found unknown, without a query', async () => {
    const apiKey = await newKey();
    const credentials = await openCache();
    recorded.clear();
    expect(await credentials.find('rsk', apiKey.prefix)).toMatchObject({ kind: 'rsk', id: apiKey.id, workspaceId: tenant.workspaceId });
    expect(keyLookups()).toBe(1);
    await credentials.find('rsk', apiKey.prefix);
    await credentials.find('rsk', apiKey.prefix);
    expect(keyLookups()).toBe(1);
    expect(await credentials.find('rsk', 'rsk_000000000000')).toBeNull();
    expect(await credentials.find('rsk', 'rsk_000000000000')).toBeNull();
    expect(keyLookups()).toBe(2);
  });

  it('drops exactly the keys the change log names', async () => {
    const [revoked, kept] = [await newKey(), await newKey()];
    const credentials = await openCache();
    await credentials.find('rsk', revoked.prefix);
    await credentials.find('rsk', kept.prefix);
    await revokeApiKey(database, tenant, revoked.id);
    await credentials.refresh();
    recorded.clear();
    expect((await credentials.find('rsk', revoked.prefix))?.revokedAt).not.toBeNull();
    expect((await credentials.find('rsk', kept.prefix))?.revokedAt).toBeNull();
    expect(keyLookups()).toBe(1);
  });

  it('goes to the database once it has not polled for its staleness bound', async () => {
    const apiKey = await newKey();
    const credentials = await openCache({ pollIntervalMs: 3_600_000, maxStalenessMs: 200 });
    await credentials.find('rsk', apiKey.prefix);
    // Revoked, and no poll will come: only the staleness bound can stop the cached copy.
    await revokeApiKey(database, tenant, apiKey.id);
    await sleep(300);
    recorded.clear();
    expect((await credentials.find('rsk', apiKey.prefix))?.revokedAt).not.toBeNull();
    expect(keyLookups()).toBe(1);
  });

  it('drops everything when the log no longer holds changes it missed', async () => {
    const apiKey = await newKey();
    const credentials = await openCache();
    await credentials.find('rsk', apiKey.prefix);
    // Five changes this process never read (pruned from the log, say).
    await database.query('UPDATE credential_change_counter SET version = version + 5');
    await credentials.refresh();
    recorded.clear();
    await credentials.find('rsk', apiKey.prefix);
    expect(keyLookups()).toBe(1);
  });

  it('logs revoked, re-dated and deleted keys in gap-free commit order, and nothing for a new key or its use', async () => {
    const before = await changeLog();
    const keys = await Promise.all(Array.from({ length: 6 }, () => createApiKey(database, pepper, tenant, {})));
    const credential = { kind: 'rsk', id: keys[0]!.apiKey.id, workspaceId: tenant.workspaceId } as StoredCredential;
    await recordCredentialUse(database, credential, 60);
    expect(await changeLog()).toEqual(before);

    // Concurrent revocations (truly concurrent on real PostgreSQL) each get their own version.
    await Promise.all(keys.slice(0, 4).map(({ apiKey }) => revokeApiKey(database, tenant, apiKey.id)));
    await withWorkspace(database, tenant, (transaction) =>
      transaction.query("UPDATE api_keys SET expires_at = now() + interval '1 day' WHERE id = $1", [keys[4]!.apiKey.id]),
    );
    const after = await changeLog();
    expect(after.version).toBe(before.version + 5);
    expect(after.prefixes.slice(before.prefixes.length).sort()).toEqual(keys.slice(0, 5).map(({ apiKey }) => apiKey.prefix).sort());

    // Deleting a workspace deletes its keys: every one is logged.
    const doomed = await createTestTenant(database);
    const doomedKeys = await Promise.all([1, 2].map(() => createApiKey(database, pepper, doomed, {})));
    const { rows } = await database.query<{ slug: string }>('SELECT slug FROM workspaces WHERE id = $1', [doomed.workspaceId]);
    await deleteWorkspace(database, doomed.workspaceId, { confirmSlug: rows[0]!.slug });
    const final = await changeLog();
    expect(final.version).toBe(after.version + 2);
    expect(final.prefixes.slice(-2).sort()).toEqual(doomedKeys.map(({ apiKey }) => apiKey.prefix).sort());
  });

  it('keeps the log out of reach of the tenant role', async () => {
    await expect(withWorkspace(database, tenant, (transaction) => transaction.query('SELECT * FROM credential_changes'))).rejects.toThrow(
      /permission denied/,
    );
    await expect(
      withWorkspace(database, tenant, (transaction) => transaction.query('UPDATE credential_change_counter SET version = 0')),
    ).rejects.toThrow(/permission denied/);
  });
});
