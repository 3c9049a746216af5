// The data directory is private (ARCHITECTURE.md invariant 10): like PostgreSQL, which refuses a
// group- or world-accessible data directory, ragspace keeps it 0700, whoever created it and with
// whatever umask, and nothing inside it readable or writable by anyone but its owner.
import { chmod, lstat, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';

const privateDirectoryMode = 0o700;
const privateFileMode = 0o600;

/** Creates `directory` (and its parents) if needed and makes it 0700, even if it existed with another mode. */
export async function ensurePrivateDirectory(directory: string): Promise<void> {
  await mkdir(directory, { recursive: true, mode: privateDirectoryMode });
  await chmod(directory, privateDirectoryMode);
}

/**
 * Takes group and other permissions away from everything under `directory`. PGlite unpacks its
 * cluster template with files mode 0666 whatever the umask, and PostgreSQL recycles those WAL
 * segments; files it creates afterwards get 0600. Symbolic links are left alone (chmod would follow them).
 */
export async function restrictTree(directory: string): Promise<void> {
  const entries = await readdir(directory, { withFileTypes: true, recursive: true });
  await Promise.all(
    entries.map(async (entry) => {
      const entryPath = path.join(entry.parentPath, entry.name);
      const mode = entry.isDirectory() ? privateDirectoryMode : entry.isFile() ? privateFileMode : undefined;
      if (mode === undefined) return;
      // A file PostgreSQL removed in the meantime (a recycled WAL segment) needs nothing.
      const current = await lstat(entryPath).catch(() => undefined);
      if (current && (current.mode & 0o077) !== 0) await chmod(entryPath, mode).catch(() => undefined);
    }),
  );
  await chmod(directory, privateDirectoryMode);
}
