// The CLI tests spawn the real `ragspace` binary, which runs the compiled dist/. `npm test` builds
// first; a vitest run on its own (one file, watch mode) builds here when src/ changed since.
import { execFileSync } from 'node:child_process';
import { buildState } from '../../bin/build-state.js';

export default function setup(): void {
  if (buildState() === 'current') return;
  process.stderr.write('dist/ is older than src/: npm run build\n');
  execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
}
