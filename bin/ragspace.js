#!/usr/bin/env node
// Entry point of the `ragspace` command: runs the CLI compiled to dist/ by `npm run build`
// (`npm ci` builds it through the prepare script). Nothing is compiled at run time.
import { buildState, compiledEntry } from './build-state.js';

const state = buildState();
if (state === 'missing') {
  process.stderr.write('ragspace: dist/ is missing; build it with `npm run build` (npm ci does it too)\n');
  process.exit(1);
}
if (state === 'stale') process.stderr.write('ragspace: warning: src/ changed after the last build; run `npm run build` to use the changes\n');
await import(compiledEntry.href);
