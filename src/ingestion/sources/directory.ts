// The documents of a directory tree, matched by a glob (tinyglobby). Sources are paths relative to
// the directory with forward slashes, so the same tree ingested from anywhere has the same identities.
import { lstat, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { glob } from 'tinyglobby';
import { validationError } from '../../errors.ts';
import { supportedExtensions } from '../loaders/index.ts';
import type { IngestItem } from './ingest-item.ts';

export const defaultGlob = `**/*.{${supportedExtensions.join(',')}}`;

/** A pattern that could match outside the directory: absolute, or with a ".." segment. */
function leavesDirectory(pattern: string): boolean {
  return path.isAbsolute(pattern) || /^[a-z]:/i.test(pattern) || pattern.split(/[\\/]/).includes('..');
}

/**
 * Only what is inside the directory is read: a glob that would leave it is refused, and symbolic
 * links (to files or directories, inside or out) are skipped, never followed.
 */
export async function listDirectoryItems(directory: string, pattern = defaultGlob): Promise<IngestItem[]> {
  const root = path.resolve(directory);
  const found = await stat(root).catch(() => undefined);
  if (!found) throw validationError(`Directory not found: ${directory}`);
  if (!found.isDirectory()) throw validationError(`Not a directory: ${directory}`);
  if (leavesDirectory(pattern)) {
    throw validationError(`--glob "${pattern}" reaches outside ${directory}: use a pattern relative to the directory, without ".."`);
  }
  // Case-insensitive, so Guide.MD matches the default *.md pattern.
  const matches = await glob(pattern, { cwd: root, onlyFiles: true, dot: false, followSymbolicLinks: false, caseSensitiveMatch: false });
  const realRoot = await realpath(root);
  const files: string[] = [];
  for (const relative of matches) {
    const absolute = path.resolve(root, relative);
    // Checked on the file itself: a path with a symbolic link anywhere on it resolves elsewhere and is skipped.
    const entry = await lstat(absolute).catch(() => undefined);
    const real = entry?.isFile() ? await realpath(absolute).catch(() => undefined) : undefined;
    if (real === path.join(realRoot, relative)) files.push(relative);
  }
  return files.sort().map((relative) => {
    const source = relative.split(path.sep).join('/');
    return { source, read: async () => ({ source, content: new Uint8Array(await readFile(path.join(root, relative))) }) };
  });
}
