// Files that hold a secret (a key shown once): mode 0600 from the first byte and put in place
// atomically, so no reader ever sees a half-written key and no other user can read it.
import { randomBytes } from 'node:crypto';
import { link, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { conflict } from '../errors.ts';

function alreadyExists(target: string) {
  return conflict(`${target} already exists; choose another file or remove it first`);
}

/**
 * Writes `secret` (and a newline) to `target`: replacing the file there, or, without `replace`,
 * refusing with 409 conflict if one exists. Call it inside the transaction that creates the key,
 * so a key whose file could not be written is rolled back with it.
 */
export async function writeSecretFile(target: string, secret: string, options: { replace: boolean }): Promise<void> {
  const staged = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(staged, 'wx', 0o600);
    try {
      await handle.chmod(0o600);
      await handle.writeFile(`${secret}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (options.replace) {
      await rename(staged, target);
    } else {
      // link() fails if the target exists, even one that appeared a moment ago: never overwritten.
      await link(staged, target).catch((error: NodeJS.ErrnoException) => {
        throw error.code === 'EEXIST' ? alreadyExists(target) : error;
      });
    }
  } finally {
    await rm(staged, { force: true });
  }
}
