// The server-side secret mixed into every API key hash. Configured, or generated once per embedded data directory.
import { randomBytes } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.ts';
import { ensurePrivateDirectory } from '../db/private-directory.ts';

export async function resolveKeyPepper(config: Config): Promise<string> {
  if (config.keyPepper) return config.keyPepper;
  if (config.databaseUrl) throw new Error('RAGSPACE_KEY_PEPPER is required with DATABASE_URL');
  const pepperPath = path.join(config.dataDirectory, 'key-pepper');
  await ensurePrivateDirectory(config.dataDirectory);
  try {
    // 'wx' fails if another process created it first; then we read theirs.
    const handle = await open(pepperPath, 'wx', 0o600);
    const pepper = randomBytes(32).toString('base64url');
    await handle.writeFile(pepper);
    await handle.close();
    return pepper;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const pepper = (await readFile(pepperPath, 'utf8')).trim();
    if (pepper.length >= 32) return pepper;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${pepperPath} is empty or too short; delete it only if no API keys were issued with it`);
}
