// The tenancy commands as a user runs them: good input works, bad input says why, exits non-zero, and changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { expectCliRejected, runCli, type CliResult } from '../helpers/cli.ts';
import { createCliEnvironment, type CliEnvironment } from '../helpers/cli-environment.ts';

describe('ragspace org | workspace | key', () => {
  let cli: CliEnvironment;
  let owner: Database;
  let ragspace: (...args: string[]) => Promise<CliResult>;

  async function snapshot(): Promise<unknown> {
    const { rows } = await owner.query(
      `SELECT (SELECT count(*)::int FROM organizations) AS organizations, (SELECT count(*)::int FROM workspaces) AS workspaces,
              (SELECT count(*)::int FROM api_keys) AS keys, (SELECT count(*)::int FROM api_keys WHERE revoked_at IS NOT NULL) AS revoked`,
    );
    return rows[0];
  }

  const expectRejected = (args: string[], message: RegExp) => expectCliRejected(ragspace, snapshot, args, message);

  beforeAll(async () => {
    cli = await createCliEnvironment();
    owner = cli.database;
    ragspace = (...args) => runCli(args, cli.environment);
  });
  afterAll(() => cli.close());

  it('creates and lists organizations, workspaces and keys', async () => {
    const organization = await ragspace('org', 'create', '--name', 'Acme Corp', '--json');
    expect(organization.exitCode).toBe(0);
    expect(JSON.parse(organization.stdout)).toMatchObject({ slug: 'acme-corp', name: 'Acme Corp' });

    const workspace = await ragspace('workspace', 'create', '--org', 'acme-corp', '--name', 'Support', '--json');
    expect(JSON.parse(workspace.stdout)).toMatchObject({ slug: 'support' });
    const listed = await ragspace('workspace', 'list', '--org', 'acme-corp');
    expect(listed.stdout).toMatch(/support\s+Support/);

    const key = await ragspace('key', 'create', '--workspace', 'acme-corp/support', '--scopes', 'search,chat', '--json');
    const created = JSON.parse(key.stdout);
    expect(created.secret).toMatch(/^rsk_[a-z0-9]{12}_/);
    expect(created.scopes).toEqual(['search', 'chat']);

    const keys = await ragspace('key', 'list', '--workspace', 'support', '--json');
    expect(keys.stdout).not.toContain(created.secret);
    expect(JSON.parse(keys.stdout)).toEqual([expect.objectContaining({ id: created.id, revokedAt: null })]);

    const revoked = await ragspace('key', 'revoke', created.prefix, '--workspace', 'support');
    expect(revoked).toMatchObject({ exitCode: 0 });
    expect(revoked.stdout).toContain(`revoked key ${created.prefix}`);
  });

  it('rejects bad organization input', async () => {
    await expectRejected(['org', 'create'], /required option '--name <name>'/);
    await expectRejected(['org', 'create', '--name', 'X', '--slug', 'Not A Slug'], /slug: use 1-63 lowercase letters/);
    await expectRejected(['org', 'create', '--name', 'Again', '--slug', 'acme-corp'], /slug "acme-corp" already exists/);
    await expectRejected(['org', 'list', '--bogus'], /unknown option '--bogus'/);
  });

  it('rejects bad workspace input', async () => {
    await expectRejected(['workspace', 'create', '--org', 'nope', '--name', 'W'], /Organization "nope" not found/);
    await expectRejected(['workspace', 'create', '--org', 'acme-corp'], /required option '--name <name>'/);
    await expectRejected(['workspace', 'create', '--org', 'acme-corp', '--name', 'W', '--slug', 'under_score'], /slug:/);
    await expectRejected(['workspace', 'create', '--org', 'acme-corp', '--name', 'Support'], /already exists in this organization/);
    await expectRejected(['workspace', 'list', '--org', 'nope'], /Organization "nope" not found/);
  });

  it('rejects bad key input', async () => {
    await expectRejected(['key', 'create', '--workspace', 'nope'], /Workspace "nope" not found/);
    await expectRejected(['key', 'create', '--workspace', 'support', '--scopes', 'chat,root'], /scopes.1: Invalid option/);
    await expectRejected(['key', 'create', '--workspace', 'support', '--expires-at', '2001-01-01'], /expiresAt: must be in the future/);
    await expectRejected(['key', 'create', '--workspace', 'support', '--expires-at', 'someday'], /expiresAt/);
    await expectRejected(['key', 'list', '--workspace', 'nope'], /Workspace "nope" not found/);
    await expectRejected(['key', 'revoke', 'rsk_000000000000', '--workspace', 'support'], /API key "rsk_000000000000" not found/);
    await expectRejected(['key', 'revoke', '--workspace', 'support'], /missing required argument 'key'/);
  });

  it('prints machine-readable errors with --json', async () => {
    const result = await ragspace('workspace', 'list', '--org', 'nope', '--json');
    expect(result.exitCode).toBe(1);
    expect(JSON.parse(result.stderr)).toEqual({ error: { code: 'not_found', message: 'Organization "nope" not found' } });
  });
});
