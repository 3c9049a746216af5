// sql/700_platform_api_keys.sql on a deployment made before it: the embedded bootstrap key used to
// be a key of the default workspace, which that workspace's admins could list and revoke. The
// migration removes it (and only it); the next start issues a platform key in its place.
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { defaultMigrationsDirectory, migrate } from '../../src/db/migrations.ts';
import { withControlPlane } from '../../src/db/workspace-scope.ts';
import { createApiKey, listApiKeys } from '../../src/tenancy/api-keys.ts';
import { ensureFirstPlatformKey, ensureFirstTenant } from '../../src/tenancy/bootstrap.ts';
import { createEmptyTestDatabase, createTestTenant } from '../helpers/database.ts';

const pepper = 'platform-key-migration-pepper-0123456789ab';

describe('the platform key migration on an older embedded deployment', () => {
  let database: Database;
  let scratch: string;
  beforeAll(async () => {
    database = await createEmptyTestDatabase();
    scratch = await mkdtemp(path.join(os.tmpdir(), 'rs-migration-'));
  });
  afterAll(async () => {
    await database.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it('removes the old bootstrap workspace key, keeps every other key and the tenant, and lets a platform key be issued', async () => {
    // The schema as it was before sql/700.
    const before = path.join(scratch, 'sql');
    const numberOf = (file: string) => Number(/(\d+)_[^/]*\.sql$/.exec(file)?.[1] ?? 0);
    await cp(defaultMigrationsDirectory, before, { recursive: true, filter: (source) => numberOf(source) < 700 });
    expect((await readdir(before)).every((file) => numberOf(file) < 700)).toBe(true);
    await migrate(database, before);

    const tenant = await createTestTenant(database);
    const bootstrapKey = await createApiKey(database, pepper, tenant, { name: 'Bootstrap key', scopes: ['admin'] });
    const otherKey = await createApiKey(database, pepper, tenant, { name: 'Kept', scopes: ['search'] });
    const keyFile = path.join(scratch, 'bootstrap-key');
    await withControlPlane(database, (transaction) =>
      transaction.query("INSERT INTO deployment_settings (key, value) VALUES ('bootstrap', $1)", [
        { organizationId: tenant.organizationId, workspaceId: tenant.workspaceId, apiKeyId: bootstrapKey.apiKey.id, keyFile },
      ]),
    );

    expect(await migrate(database)).toEqual(expect.arrayContaining([700, 701]));
    expect((await listApiKeys(database, tenant)).map((key) => key.id)).toEqual([otherKey.apiKey.id]);
    const { rows } = await database.query<{ value: Record<string, unknown> }>("SELECT value FROM deployment_settings WHERE key = 'bootstrap'");
    expect(rows[0]!.value).toEqual({ organizationId: tenant.organizationId, workspaceId: tenant.workspaceId, keyFile });

    const first = await ensureFirstTenant(database);
    expect(first).toMatchObject({ created: false, tenant: { organizationId: tenant.organizationId, workspaceId: tenant.workspaceId } });
    expect(await ensureFirstPlatformKey(database, pepper, keyFile)).toBe(true);
  });
});
