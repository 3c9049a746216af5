// ARCHITECTURE.md invariant 10: the embedded data directory is private, 0700 with nothing inside
// readable or writable by anyone else, whoever created it and whatever PGlite does to its files.
import { chmod, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';

/** Every path under `directory` whose mode lets its group or others in, with that mode. */
async function exposed(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true, recursive: true });
  const found: string[] = [];
  for (const entry of entries) {
    const entryPath = path.join(entry.parentPath, entry.name);
    const mode = (await stat(entryPath)).mode & 0o777;
    if (mode & 0o077) found.push(`${path.relative(directory, entryPath)} ${mode.toString(8)}`);
  }
  return found;
}

describe('the embedded data directory', () => {
  let scratch: string;
  let dataDirectory: string;
  beforeAll(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'rs-private-'));
    dataDirectory = path.join(scratch, 'data');
    // Made by the user beforehand, open to everyone.
    await mkdir(dataDirectory);
    await chmod(dataDirectory, 0o755);
  });
  afterAll(() => rm(scratch, { recursive: true, force: true }));

  it('ends up 0700 with every file 0600, though the user made it 0755 and PGlite writes files 0666', async () => {
    // The first run creates the database (initdb in WebAssembly): slow on a busy machine.
    const result = await runCli(['org', 'create', '--name', 'Private'], { RAGSPACE_DATA_DIR: dataDirectory }, undefined, { timeoutMs: 170_000 });
    expect(result.exitCode, result.stderr).toBe(0);
    expect((await stat(dataDirectory)).mode & 0o777).toBe(0o700);
    expect((await readdir(path.join(dataDirectory, 'pgdata'))).length).toBeGreaterThan(10);
    expect(await exposed(dataDirectory)).toEqual([]);
  }, 180_000);

  it('is made private again when it was opened up since', async () => {
    // As an older ragspace, or a careless chmod -R, left it.
    const pgdata = path.join(dataDirectory, 'pgdata');
    await chmod(dataDirectory, 0o755);
    await chmod(pgdata, 0o777);
    await chmod(path.join(pgdata, 'PG_VERSION'), 0o666);
    await chmod(path.join(dataDirectory, 'key-pepper'), 0o644);
    const result = await runCli(['org', 'list'], { RAGSPACE_DATA_DIR: dataDirectory });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(await exposed(dataDirectory)).toEqual([]);
    expect((await stat(dataDirectory)).mode & 0o777).toBe(0o700);
  });
});
