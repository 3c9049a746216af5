// The embedded database, shared between local processes (ARCHITECTURE.md invariant 8).
//
// PGlite is single-process. The first ragspace process to open a data directory becomes its
// owner: it opens PGlite and serves it on a Unix socket inside the data directory. Every
// process, the owner included, then talks to it through that socket with the pg driver, so
// the owner never runs a statement in-process behind a socket client's open transaction
// (PGlite has one backend session; an in-process query would run inside that transaction).
// The owner hosts PGlite and the socket server on a thread of their own (embedded-host-worker.ts):
// PGlite executes SQL synchronously, so on the main thread every statement would stop HTTP.
import { open, readFile, rm, stat } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../workers/worker-script.ts';
import type { Database } from './database.ts';
import type { EmbeddedHostData, EmbeddedHostMessage } from './embedded-host-worker.ts';
import { isDatabaseUnavailable } from './database-errors.ts';
import { ensurePrivateDirectory, restrictTree } from './private-directory.ts';
import { createPostgresDatabase } from './postgres-database.ts';

// pg connects to `${host}/.s.PGSQL.${port}` when host is a directory.
const socketPort = 5432;
const socketFileName = `.s.PGSQL.${socketPort}`;
// Linux limits a Unix socket path to 107 bytes.
const maximumSocketPathLength = 107;

export interface EmbeddedDatabaseOptions {
  dataDirectory: string;
  /** Connections this process opens to the socket. */
  poolSize?: number;
  /** How long to wait for another process that is starting the database. */
  startTimeoutMs?: number;
  log?: (message: string) => void;
}

export interface EmbeddedDatabase extends Database {
  /** True when this process owns PGlite and serves it to the others. */
  readonly isOwner: boolean;
}

export class EmbeddedDatabaseError extends Error {
  override name = 'EmbeddedDatabaseError';
}

function canConnect(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.createConnection(socketPath);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Creates the owner lock file atomically; removes a lock left by a dead process. */
async function tryAcquireOwnerLock(lockPath: string): Promise<boolean> {
  try {
    const handle = await open(lockPath, 'wx', 0o600);
    await handle.writeFile(String(process.pid));
    await handle.close();
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const holder = Number((await readFile(lockPath, 'utf8').catch(() => '')).trim());
  if (Number.isInteger(holder) && holder > 0 && processIsAlive(holder)) return false;
  // A crashed owner left its lock (or it is being written right now: then a retry sorts it out).
  const lockAge = Date.now() - (await stat(lockPath).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
  if (!holder && lockAge < 2_000) return false;
  await rm(lockPath, { force: true });
  return false;
}

function connect(dataDirectory: string, poolSize: number, log: (message: string) => void): Database {
  return createPostgresDatabase({
    host: dataDirectory,
    port: socketPort,
    user: 'postgres',
    database: 'postgres',
    max: poolSize,
    exclusiveTransactions: true,
    onIdleError: (error) => log(`embedded database connection closed: ${error.message}`),
  });
}

export async function openEmbeddedDatabase(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
  const dataDirectory = path.resolve(options.dataDirectory);
  const socketPath = path.join(dataDirectory, socketFileName);
  const lockPath = path.join(dataDirectory, 'owner.lock');
  const poolSize = options.poolSize ?? 4;
  const log = options.log ?? (() => undefined);
  if (Buffer.byteLength(socketPath) > maximumSocketPathLength) {
    throw new EmbeddedDatabaseError(
      `RAGSPACE_DATA_DIR is too long for a Unix socket (${socketPath}); choose a shorter path`,
    );
  }
  await ensurePrivateDirectory(dataDirectory);

  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (await canConnect(socketPath)) {
      log(`using the embedded database served by another ragspace process (${socketPath})`);
      return withFailover({ ...connect(dataDirectory, poolSize, log), isOwner: false }, () => openEmbeddedDatabase(options), log);
    }
    if (await tryAcquireOwnerLock(lockPath)) {
      try {
        // The owner too reopens the directory if its database thread stops (a PANIC: a full disk).
        const owned = await becomeOwner(dataDirectory, socketPath, lockPath, poolSize, log);
        return withFailover(owned, () => openEmbeddedDatabase(options), log);
      } catch (error) {
        await rm(lockPath, { force: true });
        throw error;
      }
    }
    await sleep(100);
  }
  throw new EmbeddedDatabaseError(
    `Timed out waiting for the embedded database in ${dataDirectory}: another process holds ${lockPath} but does not serve ${socketPath}`,
  );
}

/** Starts the thread that hosts PGlite and its socket server; resolves once it serves. */
async function startHost(data: EmbeddedHostData, log: (message: string) => void): Promise<Worker> {
  const host = startWorker('./embedded-host-worker.ts', import.meta.url, data);
  const first = await new Promise<EmbeddedHostMessage>((resolve, reject) => {
    host.once('message', resolve);
    host.once('error', reject);
    host.once('exit', (code) => reject(new EmbeddedDatabaseError(`The embedded database thread exited (code ${code}) before serving`)));
  });
  host.removeAllListeners();
  if (first.type !== 'ready') {
    await host.terminate();
    throw new EmbeddedDatabaseError(`Could not open the embedded database: ${first.type === 'failed' ? first.message : first.type}`);
  }
  // After start-up, a failure of the thread is reported; clients' queries then fail on their own.
  host.on('error', (error) => log(`the embedded database thread failed: ${error.message}`));
  return host;
}

/** A thread that stopped serving: the directory is released so that any process (this one too) can reopen it. */
async function releaseDirectory(host: Worker, socketPath: string, lockPath: string): Promise<void> {
  await host.terminate();
  await rm(socketPath, { force: true });
  await rm(lockPath, { force: true });
}

async function becomeOwner(
  dataDirectory: string,
  socketPath: string,
  lockPath: string,
  poolSize: number,
  log: (message: string) => void,
): Promise<EmbeddedDatabase> {
  await rm(socketPath, { force: true });
  const host = await startHost({ pgdataDirectory: path.join(dataDirectory, 'pgdata'), socketPath }, log);
  // PGlite's template files are 0666 whatever the umask; the key files may have been opened up since.
  await restrictTree(dataDirectory);
  log(`embedded database opened in ${dataDirectory}, served on ${socketPath}`);
  let released: Promise<void> | undefined;
  host.on('message', (message: EmbeddedHostMessage) => {
    if (message.type !== 'stopped') return;
    log(`the embedded database stopped: ${message.message}; it is reopened on the next request`);
    released ??= releaseDirectory(host, socketPath, lockPath);
  });
  const database = connect(dataDirectory, poolSize, log);
  return {
    ...database,
    isOwner: true,
    async close() {
      await database.close();
      if (released) return released;
      // The thread hands over between transactions, closes PGlite and says so.
      const closed = new Promise<void>((resolve) => {
        host.once('message', () => resolve());
        host.once('exit', () => resolve());
      });
      host.postMessage('close');
      await closed;
      released = releaseDirectory(host, socketPath, lockPath);
      await released;
    },
  };
}

// After a failed reopen (the directory cannot be opened yet, e.g. its disk is still full),
// requests fail at once for this long instead of each trying again.
const reopenBackoffMs = 1_000;

/**
 * A database that reopens the data directory when its connection is lost: a client whose owner
 * process exited, or an owner whose database thread stopped. The next operation reopens the
 * directory (becoming the owner or reaching the new one) and runs once more; the owner hands over
 * only between transactions, and a stopped thread's open transactions were never committed, so an
 * interrupted transaction was rolled back.
 */
function withFailover(initial: EmbeddedDatabase, reopen: () => Promise<EmbeddedDatabase>, log: (message: string) => void): EmbeddedDatabase {
  let current: EmbeddedDatabase = initial;
  let reopening: Promise<void> | undefined;
  let failedReopen: { at: number; error: Error } | undefined;
  /** `current` is closed and could not be reopened yet: every operation tries to reopen first. */
  let lost = false;

  function reopenAfter(used: EmbeddedDatabase): Promise<void> {
    if (failedReopen && Date.now() - failedReopen.at < reopenBackoffMs) return Promise.reject(failedReopen.error);
    reopening ??= (async () => {
      log('the embedded database went away; reopening it');
      if (!lost) await used.close().catch(() => undefined);
      lost = true;
      try {
        current = await reopen();
        lost = false;
        failedReopen = undefined;
      } catch (error) {
        // Reported as unavailable (57P03 cannot_connect_now): the request fails with 503, a later one tries again.
        const unavailable = Object.assign(new Error(`The embedded database cannot be opened right now: ${(error as Error).message}`), {
          code: '57P03',
          cause: error,
        });
        failedReopen = { at: Date.now(), error: unavailable };
        throw unavailable;
      }
    })().finally(() => {
      reopening = undefined;
    });
    return reopening;
  }

  async function run<T>(operation: (database: Database) => Promise<T>): Promise<T> {
    if (lost) await (reopening ?? reopenAfter(current));
    const used = current;
    try {
      return await operation(used);
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      if (used === current) await reopenAfter(used);
      else await reopening;
      return operation(current);
    }
  }

  return {
    kind: 'postgres',
    exclusiveTransactions: true,
    get isOwner() {
      return current.isOwner;
    },
    query: (sql, parameters) => run((database) => database.query(sql, parameters)),
    executeScript: (sql) => run((database) => database.executeScript(sql)),
    transaction: (work, opening) => run((database) => database.transaction(work, opening)),
    close: async () => {
      await reopening?.catch(() => undefined);
      if (!lost) await current.close();
    },
  };
}
