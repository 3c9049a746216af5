// The documents of a directory tree, matched by a glob (tinyglobby). Sources are paths relative to
// the directory with forward slashes, so the same tree ingested from anywhere has the same identities.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { glob } from 'tinyglobby';
import { validationError } from '../../errors.ts';
import { supportedExtensions } from '../loaders/index.ts';
import type { IngestItem } from './ingest-item.ts';

export const defaultGlob = `**/*.{${supportedExtensions.join(',')}}`;

export async function listDirectoryItems(directory: string, pattern = defaultGlob): Promise<IngestItem[]> {
  const root = path.resolve(directory);
  const found = await stat(root).catch(() => undefined);
  if (!found) throw validationError(`Directory not found: ${directory}`);
  if (!found.isDirectory()) throw validationError(`Not a directory: ${directory}`);
  // Case-insensitive, so Guide.MD matches the default *.md pattern.
  const files = await glob(pattern, { cwd: root, onlyFiles: true, dot: false, followSymbolicLinks: false, caseSensitiveMatch: false });
  return files.sort().map((relative) => {
    const source = relative.split(path.sep).join('/');
    return { source, read: async () => ({ source, content: new Uint8Array(await readFile(path.join(root, relative))) }) };
  });
}
