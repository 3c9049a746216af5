// Keys once seen are checked from memory: what findCredential returned for a prefix (a key,
// revoked and expired ones included, or "no such key") is kept, so authenticating costs no query
// and a wrong secret behind a known prefix takes the same path as an unknown prefix.
//
// Every process polls the credential change log (sql/701_credential_changes.sql) a few times a
// second and drops what changed. The cache is trusted only while its last poll started less than
// `maxStalenessMs` ago; otherwise every lookup goes to the database. So a key revoked at time T
// fails in every process from T + maxStalenessMs on, however slow the database or the poller is,
// because any poll that started after T has seen the change.
import { LRUCache } from 'lru-cache';
import type { Database } from '../db/database.ts';
import { findCredential, type StoredCredential } from './credentials.ts';
import type { KeyKind } from './key-material.ts';

export interface CredentialCacheOptions {
  database: Database;
  /** How often the change log is read. */
  pollIntervalMs?: number;
  /** The longest a cached answer is trusted after the start of the last poll (under one second). */
  maxStalenessMs?: number;
  /** Keys kept (least recently used go first). */
  maxKeys?: number;
  /** Unknown prefixes kept, apart from the keys, so a flood of made-up keys cannot push real ones out. */
  maxUnknownPrefixes?: number;
  onPollError?: (error: unknown) => void;
}

export interface CredentialCache {
  /** The stored key for `prefix` (or null when none exists), from memory when the cache is fresh. */
  find(kind: KeyKind, prefix: string): Promise<StoredCredential | null>;
  /** Reads the change log now; resolves once every change committed before the call is applied. */
  refresh(): Promise<void>;
  /** Starts polling. */
  start(): void;
  /** Stops polling; lookups then always go to the database. */
  close(): Promise<void>;
}

/** At most this many changes are read per poll; more than that and the whole cache is dropped. */
const changesPerPoll = 1000;

interface ChangeLogRead {
  version: string;
  prefixes: string[];
}

/** The changes after `since` (all of them, or the first changesPerPoll) and the current version, in one snapshot. */
async function readChanges(database: Database, since: number): Promise<{ version: number; prefixes: string[] }> {
  const { rows } = await database.query<ChangeLogRead>(
    `SELECT (SELECT version FROM credential_change_counter)::text AS version,
            ARRAY(SELECT prefix FROM credential_changes WHERE version > $1 ORDER BY version LIMIT ${changesPerPoll}) AS prefixes`,
    [since],
  );
  return { version: Number(rows[0]!.version), prefixes: rows[0]!.prefixes };
}

export function createCredentialCache(options: CredentialCacheOptions): CredentialCache {
  const { database } = options;
  const pollIntervalMs = options.pollIntervalMs ?? 250;
  const maxStalenessMs = options.maxStalenessMs ?? 800;
  const keys = new LRUCache<string, StoredCredential>({ max: options.maxKeys ?? 50_000 });
  const unknown = new LRUCache<string, true>({ max: options.maxUnknownPrefixes ?? 10_000 });

  let seenVersion: number | undefined;
  /** When the last completed poll started (Date.now()); the cache is trusted until maxStalenessMs after it. */
  let lastPollStartedAt = Number.NEGATIVE_INFINITY;
  /** Bumped whenever entries are dropped; a lookup that began before a bump does not store its answer. */
  let generation = 0;
  let polling: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  function dropAll(): void {
    keys.clear();
    unknown.clear();
    generation += 1;
  }

  async function poll(): Promise<void> {
    const startedAt = Date.now();
    const { version, prefixes } = await readChanges(database, seenVersion ?? Number.MAX_SAFE_INTEGER);
    if (seenVersion === undefined || version < seenVersion) {
      // First poll (nothing cached yet), or the log was reset: start from here.
      dropAll();
    } else if (version > seenVersion) {
      // Versions have no gaps, so a short read means the log was pruned past what this process saw.
      if (prefixes.length !== version - seenVersion) {
        dropAll();
      } else {
        for (const prefix of prefixes) {
          keys.delete(prefix);
          unknown.delete(prefix);
        }
        generation += 1;
      }
    }
    seenVersion = version;
    lastPollStartedAt = Math.max(lastPollStartedAt, startedAt);
  }

  function pollOnce(): Promise<void> {
    polling ??= poll().finally(() => {
      polling = undefined;
    });
    return polling;
  }

  const isFresh = () => !closed && Date.now() - lastPollStartedAt <= maxStalenessMs;

  function pollInBackground(): void {
    pollOnce().catch((error: unknown) => options.onPollError?.(error));
  }

  return {
    async find(kind, prefix) {
      // A busy process polls from here too: timers wait while every request is answered without I/O.
      if (timer && Date.now() - lastPollStartedAt >= pollIntervalMs) pollInBackground();
      if (isFresh()) {
        const key = keys.get(prefix);
        if (key) return key;
        if (unknown.has(prefix)) return null;
      }
      const startedIn = generation;
      const credential = await findCredential(database, kind, prefix);
      if (startedIn === generation && !closed) {
        if (credential) keys.set(prefix, credential);
        else unknown.set(prefix, true);
      }
      return credential;
    },
    async refresh() {
      // A poll already under way may have read the log before the caller's change committed.
      await polling?.catch(() => undefined);
      await pollOnce();
    },
    start() {
      if (timer || closed) return;
      timer = setInterval(pollInBackground, pollIntervalMs);
      timer.unref();
      pollInBackground();
    },
    async close() {
      closed = true;
      clearInterval(timer);
      await polling?.catch(() => undefined);
      dropAll();
    },
  };
}
