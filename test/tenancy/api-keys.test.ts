import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { authenticateApiKey, createApiKey, listApiKeys, revokeApiKey } from '../../src/tenancy/api-keys.ts';
import { hashApiKey } from '../../src/tenancy/key-material.ts';
import type { WorkspaceContext } from '../../src/tenancy/workspace-context.ts';
import { createTestDatabase, createTestTenant } from '../helpers/database.ts';

const pepper = 'test-pepper-that-is-long-enough-0123456789';

describe('API keys', () => {
  let database: Database;
  let tenant: WorkspaceContext;
  beforeAll(async () => {
    database = await createTestDatabase();
    tenant = await createTestTenant(database);
  });
  afterAll(() => database.close());

  it('authenticates a created key as its workspace with its scopes', async () => {
    const { apiKey, secret } = await createApiKey(database, pepper, tenant, { name: 'ci', scopes: ['search', 'chat'] });
    expect(secret.startsWith(`${apiKey.prefix}_`)).toBe(true);
    expect(await authenticateApiKey(database, pepper, secret)).toEqual({
      apiKeyId: apiKey.id,
      workspaceId: tenant.workspaceId,
      organizationId: tenant.organizationId,
      graphGroup: tenant.graphGroup,
      scopes: ['search', 'chat'],
    });
  });

  it('stores a keyed hash, never the key', async () => {
    const { apiKey, secret } = await createApiKey(database, pepper, tenant, {});
    const { rows } = await database.query<{ secret_hash: Uint8Array; row: string }>(
      'SELECT secret_hash, row_to_json(api_keys)::text AS row FROM api_keys WHERE id = $1',
      [apiKey.id],
    );
    expect(rows[0]!.row).not.toContain(secret.slice(apiKey.prefix.length + 1));
    expect(Buffer.from(rows[0]!.secret_hash).equals(hashApiKey(pepper, secret))).toBe(true);
    expect(await listApiKeys(database, tenant)).not.toContainEqual(expect.objectContaining({ secret: expect.anything() }));
  });

  it('rejects a wrong secret behind a valid prefix, a wrong pepper and malformed keys', async () => {
    const { apiKey, secret } = await createApiKey(database, pepper, tenant, {});
    const lastCharacter = secret.at(-1) === 'A' ? 'B' : 'A';
    expect(await authenticateApiKey(database, pepper, `${secret.slice(0, -1)}${lastCharacter}`)).toBeNull();
    expect(await authenticateApiKey(database, `${pepper}x`, secret)).toBeNull();
    expect(await authenticateApiKey(database, pepper, apiKey.prefix)).toBeNull();
    expect(await authenticateApiKey(database, pepper, '')).toBeNull();
    expect(await authenticateApiKey(database, pepper, `${secret}' OR 1=1 --`)).toBeNull();
  });

  it('stops a revoked key at once, found by id or prefix', async () => {
    const first = await createApiKey(database, pepper, tenant, {});
    const second = await createApiKey(database, pepper, tenant, {});
    await revokeApiKey(database, tenant, first.apiKey.id);
    await revokeApiKey(database, tenant, second.apiKey.prefix);
    expect(await authenticateApiKey(database, pepper, first.secret)).toBeNull();
    expect(await authenticateApiKey(database, pepper, second.secret)).toBeNull();
  });

  it('stops an expired key', async () => {
    const { apiKey, secret } = await createApiKey(database, pepper, tenant, { expiresAt: new Date(Date.now() + 60_000) });
    expect(await authenticateApiKey(database, pepper, secret)).not.toBeNull();
    await database.query("UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1", [apiKey.id]);
    expect(await authenticateApiKey(database, pepper, secret)).toBeNull();
  });

  it('refuses unknown scopes and past expiry dates, and writes nothing', async () => {
    const before = (await listApiKeys(database, tenant)).length;
    await expect(createApiKey(database, pepper, tenant, { scopes: ['chat', 'root'] })).rejects.toMatchObject({
      code: 'validation_error',
      statusCode: 400,
    });
    await expect(createApiKey(database, pepper, tenant, { expiresAt: '2001-01-01' })).rejects.toMatchObject({
      code: 'validation_error',
    });
    expect((await listApiKeys(database, tenant)).length).toBe(before);
  });

  it("cannot revoke another workspace's key", async () => {
    const other = await createTestTenant(database);
    const { apiKey, secret } = await createApiKey(database, pepper, other, {});
    await expect(revokeApiKey(database, tenant, apiKey.id)).rejects.toMatchObject({ code: 'not_found' });
    expect(await authenticateApiKey(database, pepper, secret)).not.toBeNull();
  });
});
