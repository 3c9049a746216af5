// The body of the thread that hosts the embedded database (embedded-database.ts): PGlite and the
// pglite-socket server that shares it. PGlite runs SQL synchronously (WASM) on the thread that
// created it, and the socket server answers from that same thread; here, that thread is not the
// one serving HTTP, so a long statement never holds the process's event loop.
import { parentPort, workerData } from 'node:worker_threads';
import { setTimeout as sleep } from 'node:timers/promises';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { createPgliteInstance } from './pglite-database.ts';
import { serveWholeMessageSequences } from './pglite-message-sequences.ts';
import { guardAgainstPanic } from './pglite-panic-guard.ts';

export interface EmbeddedHostData {
  pgdataDirectory: string;
  socketPath: string;
}

export type EmbeddedHostMessage =
  | { type: 'ready' }
  | { type: 'closed' }
  | { type: 'failed'; message: string }
  /** PGlite panicked (a full disk): the thread serves no more; the owner ends it so the directory can be reopened. */
  | { type: 'stopped'; message: string };

// Started by startWorker, which hands the thread its task as workerData.task.
const { pgdataDirectory, socketPath } = (workerData as { task: EmbeddedHostData }).task;
const port = parentPort!;
const post = (message: EmbeddedHostMessage) => port.postMessage(message);

/** Waits (bounded) until no client holds a transaction open and no statement is queued. */
async function waitUntilIdle(instance: { isInTransaction(): boolean }, server: PGLiteSocketServer, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && (instance.isInTransaction() || server.getStats().queuedQueries > 0)) {
    await sleep(10);
  }
}

try {
  let stopped = false;
  const guarded = guardAgainstPanic(await createPgliteInstance(pgdataDirectory), (message) => {
    stopped = true;
    post({ type: 'stopped', message });
    // The panicking statement's answer reaches its client first; then every client is cut off.
    setTimeout(() => void server.stop(), 100);
  });
  const instance = serveWholeMessageSequences(guarded);
  // maxConnections above 1 makes the server multiplex clients, each keeping its transaction.
  const server = new PGLiteSocketServer({ db: instance, path: socketPath, maxConnections: 64 });
  await server.start();
  port.once('message', async () => {
    // Hand over between transactions: clients then reconnect (one of them becomes the owner).
    await waitUntilIdle(instance, server);
    await server.stop();
    // A panicked instance would never answer close(); the thread's end releases it.
    if (!stopped) await instance.close();
    post({ type: 'closed' });
    port.close();
  });
  post({ type: 'ready' });
} catch (error) {
  post({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  port.close();
}
