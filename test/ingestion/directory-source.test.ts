// `ingest --directory` reads only what is inside the directory: a glob that leaves it is refused,
// symbolic links are skipped (to files or directories, pointing inside or out), never followed.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDirectoryItems } from '../../src/ingestion/sources/directory.ts';

describe('directory source', () => {
  let scratch: string;
  let root: string;

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'ragspace-directory-'));
    root = path.join(scratch, 'docs');
    await mkdir(path.join(root, 'guides'), { recursive: true });
    await mkdir(path.join(scratch, 'outside'));
    await writeFile(path.join(root, 'readme.md'), '# Readme');
    await writeFile(path.join(root, 'guides', 'setup.md'), '# Setup');
    await writeFile(path.join(scratch, 'outside', 'secret.md'), '# Secret');
    await symlink(path.join(scratch, 'outside', 'secret.md'), path.join(root, 'secret-link.md'));
    await symlink(path.join(root, 'readme.md'), path.join(root, 'inside-link.md'));
    await symlink(path.join(scratch, 'outside'), path.join(root, 'guides', 'outside-dir'));
    await symlink(root, path.join(root, 'guides', 'loop'));
  });
  afterAll(() => rm(scratch, { recursive: true, force: true }));

  const sources = async (pattern?: string) => (await listDirectoryItems(root, pattern)).map((item) => item.source);

  it('lists the regular files inside, and skips every symbolic link', async () => {
    expect(await sources()).toEqual(['guides/setup.md', 'readme.md']);
    expect(await sources('**/*')).toEqual(['guides/setup.md', 'readme.md']);
    expect(await sources('guides/outside-dir/*.md')).toEqual([]);
    expect(await sources('guides/loop/**/*.md')).toEqual([]);
  });

  it('refuses a glob that reaches outside the directory', async () => {
    for (const pattern of ['../**/*.md', '../outside/secret.md', '**/../../outside/*.md', path.join(scratch, 'outside', '*.md'), 'guides/../../outside/*.md']) {
      await expect(listDirectoryItems(root, pattern), pattern).rejects.toMatchObject({ code: 'validation_error', message: expect.stringMatching(/reaches outside/) });
    }
  });

  it('reads a file as it was listed', async () => {
    const [setup] = await listDirectoryItems(root, 'guides/*.md');
    const read = await setup!.read();
    expect(new TextDecoder().decode(read.content as Uint8Array)).toBe('# Setup');
  });
});
