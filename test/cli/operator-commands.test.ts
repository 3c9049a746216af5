// The operator's commands as an operator runs them: `ragspace init` (the first organization,
// workspace, agent and key, once) and `ragspace platform-key rotate`; on the postgres tier also
// `ragspace serve` against DATABASE_URL, which creates nothing by itself.
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticateApiKey } from '../../src/tenancy/api-keys.ts';
import { credentialAccepts, findCredential } from '../../src/tenancy/credentials.ts';
import { runCli, type CliResult } from '../helpers/cli.ts';
import { startServerProcess } from '../helpers/server-process.ts';
import { createCliEnvironment, type CliEnvironment } from '../helpers/cli-environment.ts';
import { onPglite, onPostgres } from '../helpers/test-tier.ts';

async function counts(cli: CliEnvironment): Promise<Record<string, number>> {
  const { rows } = await cli.database.query<Record<string, number>>(
    `SELECT (SELECT count(*)::int FROM organizations) AS organizations, (SELECT count(*)::int FROM workspaces) AS workspaces,
            (SELECT count(*)::int FROM agents) AS agents, (SELECT count(*)::int FROM api_keys) AS keys`,
  );
  return rows[0]!;
}

/** The deployment's pepper: configured on the postgres tier, generated into the data directory on the embedded one. */
async function pepperOf(cli: CliEnvironment): Promise<string> {
  return cli.environment.RAGSPACE_KEY_PEPPER ?? (await readFile(path.join(cli.environment.RAGSPACE_DATA_DIR!, 'key-pepper'), 'utf8')).trim();
}

const fileMode = async (file: string) => (await stat(file)).mode & 0o777;

describe('ragspace init', () => {
  let cli: CliEnvironment;
  let ragspace: (...args: string[]) => Promise<CliResult>;
  beforeAll(async () => {
    cli = await createCliEnvironment();
    ragspace = (...args) => runCli(args, cli.environment);
  });
  afterAll(() => cli.close());

  it('refuses a key file that exists, creating nothing', async () => {
    const existing = path.join(cli.directory, 'taken');
    await writeFile(existing, 'keep me\n');
    const result = await ragspace('init', '--key-file', existing);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('the file exists; choose a new file (nothing was created)');
    expect(await readFile(existing, 'utf8')).toBe('keep me\n');
    expect(await counts(cli)).toEqual({ organizations: 0, workspaces: 0, agents: 0, keys: 0 });
  });

  it('creates the first tenant and one key once, even when run twice at the same moment', async () => {
    const files = [path.join(cli.directory, 'key-a'), path.join(cli.directory, 'key-b')];
    const results = await Promise.all(
      files.map((file) => ragspace('init', '--org-name', 'Acme', '--org-slug', 'acme', '--workspace-name', 'Support', '--key-file', file, '--json')),
    );
    expect(results.map((result) => result.exitCode)).toEqual([0, 0]);
    const reports = results.map((result) => JSON.parse(result.stdout));
    expect(reports.map((report) => report.created).sort()).toEqual([false, true]);
    const winner = reports.findIndex((report) => report.created);
    expect(reports[winner]).toMatchObject({ organization: { slug: 'acme' }, workspace: { slug: 'default' }, apiKey: { keyFile: files[winner] } });
    expect(reports[winner].apiKey).not.toHaveProperty('secret');
    expect(reports[1 - winner]).toEqual({ ...reports[winner], created: false, apiKey: null });
    await expect(stat(files[1 - winner]!)).rejects.toThrow(/ENOENT/);
    expect(await counts(cli)).toEqual({ organizations: 1, workspaces: 1, agents: 1, keys: 1 });

    expect(await fileMode(files[winner]!)).toBe(0o600);
    const key = (await readFile(files[winner]!, 'utf8')).trim();
    expect(await authenticateApiKey(cli.database, await pepperOf(cli), key)).toMatchObject({
      workspaceId: reports[winner].workspace.id,
      scopes: ['chat', 'search', 'documents:write', 'admin'],
    });
  });

  it('says what exists when run again, and creates nothing', async () => {
    const before = await counts(cli);
    const again = await ragspace('init');
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/^already initialised on .*: organization acme \(.*\), workspace acme\/default \(.*\); nothing was created\./);
    expect(again.stdout).toContain('ragspace key create --workspace acme/default --scopes admin');
    expect(await counts(cli)).toEqual(before);
  });

  it('refuses bad names with a clear message', async () => {
    const result = await ragspace('init', '--org-slug', 'Not A Slug');
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('organizationSlug: use 1-63 lowercase letters');
  });
});

describe('ragspace platform-key rotate', () => {
  let cli: CliEnvironment;
  beforeAll(async () => {
    cli = await createCliEnvironment();
  });
  afterAll(() => cli.close());

  async function rotate(...args: string[]): Promise<{ report: { apiKey: { prefix: string }; revoked: number; keyFile?: string; secret?: string }; key: string }> {
    const result = await runCli(['platform-key', 'rotate', '--json', ...args], cli.environment);
    expect(result.exitCode, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    const key = report.secret ?? (await readFile(report.keyFile, 'utf8')).trim();
    return { report, key };
  }
  async function works(key: string): Promise<boolean> {
    const prefix = key.split('_').slice(0, 2).join('_');
    return credentialAccepts(await pepperOf(cli), key, await findCredential(cli.database, 'rsp', prefix));
  }

  it.runIf(onPglite)('writes the new key into the data directory and revokes the old one', async () => {
    const first = await rotate();
    expect(first.report.keyFile).toBe(path.join(cli.environment.RAGSPACE_DATA_DIR!, 'bootstrap-key'));
    expect(await fileMode(first.report.keyFile!)).toBe(0o600);
    expect(first.report).not.toHaveProperty('secret');
    const second = await rotate();
    expect(second.report).toMatchObject({ keyFile: first.report.keyFile, revoked: 1 });
    expect(await works(first.key)).toBe(false);
    expect(await works(second.key)).toBe(true);
  });

  it.runIf(onPostgres)('prints the new key once (or writes --key-file) and revokes the old one', async () => {
    const printed = await rotate();
    expect(printed.report.secret).toMatch(/^rsp_[a-z0-9]{12}_/);
    expect(printed.report).not.toHaveProperty('keyFile');
    const keyFile = path.join(cli.directory, 'platform-key');
    const written = await rotate('--key-file', keyFile);
    expect(written.report).toMatchObject({ keyFile, revoked: 1 });
    expect(await fileMode(keyFile)).toBe(0o600);
    expect(await works(printed.key)).toBe(false);
    expect(await works(written.key)).toBe(true);
  });
});

describe.runIf(onPostgres)('ragspace serve with DATABASE_URL', () => {
  let cli: CliEnvironment;
  beforeAll(async () => {
    cli = await createCliEnvironment();
  });
  afterAll(() => cli.close());

  it('creates nothing and says to run ragspace init; init then gives a key that server takes', async () => {
    const server = await startServerProcess(cli.environment);
    try {
      expect(server.output()).toContain('The database has no organization yet: create the first one with `ragspace init`');
      expect(await counts(cli)).toEqual({ organizations: 0, workspaces: 0, agents: 0, keys: 0 });
      const initialised = await runCli(['init', '--json'], cli.environment);
      expect(initialised.exitCode, initialised.stderr).toBe(0);
      const { workspace, apiKey } = JSON.parse(initialised.stdout);
      const response = await fetch(`${server.baseUrl}/workspaces/${workspace.id}`, { headers: { authorization: `Bearer ${apiKey.secret}` } });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ slug: 'default' });
    } finally {
      await server.stop();
    }
  });
});

describe.runIf(onPglite)('ragspace serve on the embedded database', () => {
  let cli: CliEnvironment;
  beforeAll(async () => {
    cli = await createCliEnvironment();
  });
  afterAll(() => cli.close());

  it('issues a platform key once, and says so when the key in its file no longer works', async () => {
    // A tenant exists already, so the start skips the sample corpora.
    expect((await runCli(['init', '--json'], cli.environment)).exitCode).toBe(0);
    const keyFile = path.join(cli.environment.RAGSPACE_DATA_DIR!, 'bootstrap-key');
    const first = await startServerProcess(cli.environment);
    try {
      expect(first.output()).toContain('A platform key (admin of every organization and workspace) is in');
      expect(first.output()).toContain(`-H "Authorization: Bearer $(cat ${keyFile})"`);
      const key = (await readFile(keyFile, 'utf8')).trim();
      expect((await fetch(`${first.baseUrl}/organizations`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    } finally {
      await first.stop();
    }

    // Rotated elsewhere (printed, not written): the file now holds a revoked key.
    expect((await runCli(['platform-key', 'rotate', '--print'], cli.environment)).exitCode).toBe(0);
    const second = await startServerProcess(cli.environment);
    try {
      expect(second.output()).toContain('holds no valid platform key (missing, revoked or rotated away); issue a new one with `ragspace platform-key rotate`');
      expect(second.output()).not.toContain('A platform key (admin');
      expect(second.output()).not.toContain('curl');
    } finally {
      await second.stop();
    }
  });
});
