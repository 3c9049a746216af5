// A process that only owns an embedded data directory and serves it to others (started by
// startEmbeddedOwner below, in a child process): a test kills it to take the database away from
// its clients, as when the `ragspace serve` that owns it crashes.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { openEmbeddedDatabase } from '../../src/db/embedded-database.ts';
import { migrate } from '../../src/db/migrations.ts';

export interface EmbeddedOwner {
  /** SIGKILL: the owner and its PGlite vanish mid-statement. */
  kill(): Promise<void>;
}

export async function startEmbeddedOwner(dataDirectory: string): Promise<EmbeddedOwner> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), dataDirectory], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('owner ready')) resolve();
    });
    void exited.then(() => reject(new Error(`the embedded owner exited before serving: ${output}`)));
  });
  return {
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

// Run as a script: own the directory until killed.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const database = await openEmbeddedDatabase({ dataDirectory: process.argv[2]! });
  if (!database.isOwner) throw new Error('another process already owns this data directory');
  await migrate(database);
  process.stdout.write('owner ready\n');
  setInterval(() => undefined, 60_000);
}
