// Whether dist/ (built by `npm run build`) is current with src/. Used by bin/ragspace.js and by the
// test set-up, which builds before the CLI tests spawn the real binary.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = new URL('../', import.meta.url);
export const compiledEntry = new URL('dist/cli/main.js', root);
// `npm run build` touches it after every build, whether or not tsc rewrote anything.
const buildStamp = new URL('dist/.tsbuildinfo', root);
const sources = fileURLToPath(new URL('src/', root));

/** The newest modification time under `directory` (some 200 files: a few milliseconds). */
function newestModification(directory) {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(`${entry.parentPath}/${entry.name}`).mtimeMs);
  }
  return newest;
}

/** 'missing' (never built), 'stale' (src/ changed since the build), or 'current' (or no src/ to compare with). */
export function buildState() {
  if (!existsSync(compiledEntry) || !existsSync(buildStamp)) return 'missing';
  if (!existsSync(sources)) return 'current';
  return newestModification(sources) > statSync(buildStamp).mtimeMs ? 'stale' : 'current';
}
