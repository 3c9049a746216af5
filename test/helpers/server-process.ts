// A real `ragspace serve` in a child process, as an operator runs it: for crash tests (kill -9),
// several processes on one database, and faults between the server and its database.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from '../../src/db/database.ts';
import { openEmbeddedDatabase } from '../../src/db/embedded-database.ts';
import { migrate } from '../../src/db/migrations.ts';
import { createPostgresDatabase } from '../../src/db/postgres-database.ts';
import { ensureFirstTenant } from '../../src/tenancy/bootstrap.ts';
import { clonePostgresDatabase } from './database.ts';
import { testTier } from './test-tier.ts';

const binary = fileURLToPath(new URL('../../bin/ragspace.js', import.meta.url));

export interface ServerProcess {
  baseUrl: string;
  child: ChildProcess;
  /** Everything the process wrote, stdout and stderr interleaved. */
  output(): string;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<number | NodeJS.Signals>;
  /** SIGKILL: no shutdown hook runs, as in a crash or an OOM kill. */
  kill(): Promise<void>;
  /** SIGTERM: a graceful shutdown. */
  stop(): Promise<void>;
}

/** Starts `ragspace serve` on a free port and resolves once it listens. */
export async function startServerProcess(environment: Record<string, string>, options: { startTimeoutMs?: number } = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [binary, 'serve'], {
    env: { ...process.env, LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: '0', ...environment },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | NodeJS.Signals>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code ?? 0)));

  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ragspace serve did not start in time:\n${output}`)), options.startTimeoutMs ?? 120_000);
    const look = () => {
      const match = /ragspace listening on (http:\/\/\S+)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.stdout!.off('data', look);
      resolve(match[1]!);
    };
    child.stdout!.on('data', look);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`ragspace serve exited (${code}) before listening:\n${output}`));
    });
  });

  return {
    baseUrl,
    child,
    output: () => output,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export const serverKeyPepper = 'server-process-test-pepper-0123456789abcdef';

/** Where child `ragspace serve` processes keep their data, on this test's tier, and how the test reaches it. */
export interface ServerEnvironment {
  /** Variables for every server process of this test. */
  variables: Record<string, string>;
  /**
   * Opens the database from this test process: on a real server a pool of its own; embedded, a
   * socket client of the server process that owns the directory (or the owner when none runs).
   */
  connect(): Promise<Database>;
  close(): Promise<void>;
}

/**
 * A fresh database for server processes: a cloned PostgreSQL database (migrated, or left for the
 * servers to migrate), or an embedded data directory whose first start is already done, so no
 * sample corpora are ingested (that takes a minute here).
 */
export async function createServerEnvironment(options: { migrated?: boolean } = {}): Promise<ServerEnvironment> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'rs-srv-'));
  const dataDirectory = path.join(directory, 'data');
  if (testTier === 'postgres') {
    const cloned = await clonePostgresDatabase(options.migrated === false ? 'empty' : 'migrated');
    return {
      variables: { DATABASE_URL: cloned.url, RAGSPACE_KEY_PEPPER: serverKeyPepper, RAGSPACE_DATA_DIR: dataDirectory },
      connect: async () => createPostgresDatabase({ connectionString: cloned.url, max: 6 }),
      async close() {
        await cloned.drop();
        await rm(directory, { recursive: true, force: true });
      },
    };
  }
  const owner = await openEmbeddedDatabase({ dataDirectory });
  try {
    await migrate(owner);
    // The first start then finds its tenant and skips the sample corpora.
    await ensureFirstTenant(owner, { planId: 'enterprise' });
  } finally {
    await owner.close();
  }
  return {
    variables: { RAGSPACE_DATA_DIR: dataDirectory, RAGSPACE_KEY_PEPPER: serverKeyPepper },
    connect: () => openEmbeddedDatabase({ dataDirectory }),
    close: () => rm(directory, { recursive: true, force: true }),
  };
}
