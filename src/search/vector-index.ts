// Each large workspace gets an approximate (HNSW) vector index of its own; small ones stay exact.
// ARCHITECTURE.md invariant 3: an HNSW graph shared by workspaces lets one tenant's inserts change
// another's recall, so the index is partial, `WHERE workspace_id = '<id>'`, one per workspace past
// `vectorIndexThreshold` chunks, and 10,000 small workspaces cost no catalog object at all.
//
// Who builds it: a vector or hybrid search of a workspace schedules a check (at most one per
// workspace per minute in a process); when the workspace's chunk count (search_statistics) is
// past the threshold and it has no valid index, the index is built in the background. Searches
// stay exact until the index is valid; vector_chunk_scores (sql/200) uses it from then on.
// - PostgreSQL: CREATE INDEX CONCURRENTLY, which blocks neither the workspace's writes nor
//   anyone's reads; a build that dies leaves an invalid index, which the next check drops and
//   rebuilds (unless pg_stat_progress_create_index shows it still being built).
// - PGlite: the same statement, but PGlite runs one statement at a time for the whole process,
//   so the build holds every tenant's statements for its duration, once per workspace, when it
//   crosses the threshold (bench: vector-index-threshold measures it); later inserts are added to
//   the index one statement at a time as usual.
// The index is dropped with the workspace (deleteWorkspace), and a check also drops indexes left
// by workspaces that no longer exist, and the index of a workspace shrunk below half the threshold.
import type { Database } from '../db/database.ts';
import { isUuid, withControlPlane } from '../db/workspace-scope.ts';

/**
 * Chunks from which a workspace gets its own HNSW index. Measured (bench: vector-index-threshold):
 * an exact scan of 2,000 chunks of 1,024 dimensions takes about as long as an HNSW search plus the
 * rest of a search request, and the index build at that size stays short on PGlite.
 */
export const vectorIndexThreshold = 2_000;

/** How often one process re-checks a workspace it searches. */
const checkIntervalMs = 60_000;

export interface VectorIndexOptions {
  /** Defaults to vectorIndexThreshold (tests use small workspaces). */
  threshold?: number;
  /** false: searches schedule no checks (a bench that builds and drops indexes itself). */
  automatic?: boolean;
}

export type VectorIndexState = 'none' | 'building' | 'ready' | 'invalid';

export type VectorIndexOutcome = 'below-threshold' | 'ready' | 'built' | 'building-elsewhere' | 'dropped';

function requireWorkspaceId(workspaceId: string): void {
  if (!isUuid(workspaceId)) throw new Error(`"${workspaceId}" is not a workspace id`);
}

/** chunks_embedding_<workspace id without dashes> (as ragspace_vector_index_name() in SQL). */
export function vectorIndexName(workspaceId: string): string {
  requireWorkspaceId(workspaceId);
  return `chunks_embedding_${workspaceId.toLowerCase().replaceAll('-', '')}`;
}

export async function vectorIndexState(database: Database, workspaceId: string): Promise<VectorIndexState> {
  const { rows } = await database.query<{ valid: boolean; in_progress: boolean }>(
    `SELECT i.indisvalid AND i.indisready AS valid,
            EXISTS (SELECT 1 FROM pg_stat_progress_create_index p WHERE p.index_relid = i.indexrelid) AS in_progress
     FROM pg_index i WHERE i.indexrelid = to_regclass($1)`,
    [vectorIndexName(workspaceId)],
  );
  const row = rows[0];
  if (!row) return 'none';
  return row.valid ? 'ready' : row.in_progress ? 'building' : 'invalid';
}

async function chunkCount(database: Database, workspaceId: string): Promise<number> {
  return withControlPlane(database, async (transaction) => {
    const { rows } = await transaction.query<{ chunk_count: string }>('SELECT chunk_count FROM search_statistics WHERE workspace_id = $1', [
      workspaceId,
    ]);
    return Number(rows[0]?.chunk_count ?? 0);
  });
}

/** Drops the workspace's own index, if any, without blocking other workspaces' reads and writes. */
export async function dropVectorIndex(database: Database, workspaceId: string): Promise<void> {
  // The name is derived from a validated UUID: safe to place in DDL.
  await database.query(`DROP INDEX CONCURRENTLY IF EXISTS "${vectorIndexName(workspaceId)}"`);
}

/** Builds the workspace's index (the caller checked it is needed). Runs as the login role, which owns chunks. */
async function buildVectorIndex(database: Database, workspaceId: string): Promise<'built' | 'building-elsewhere'> {
  const name = vectorIndexName(workspaceId);
  try {
    await database.query(
      `CREATE INDEX CONCURRENTLY IF NOT EXISTS "${name}" ON chunks USING hnsw (embedding vector_cosine_ops) WHERE workspace_id = '${workspaceId}'::uuid`,
    );
  } catch (error) {
    // Another process created the same index a moment earlier.
    if ((error as { code?: string }).code === '42P07' || (error as { code?: string }).code === '23505') return 'building-elsewhere';
    throw error;
  }
  return (await vectorIndexState(database, workspaceId)) === 'ready' ? 'built' : 'building-elsewhere';
}

/**
 * Brings the workspace's index in line with its size: builds it past the threshold, rebuilds a
 * dead build, drops it below half the threshold. Resolves when done (a build can take a while).
 */
export async function ensureVectorIndex(database: Database, workspaceId: string, options: VectorIndexOptions = {}): Promise<VectorIndexOutcome> {
  const threshold = options.threshold ?? vectorIndexThreshold;
  const [chunks, state] = await Promise.all([chunkCount(database, workspaceId), vectorIndexState(database, workspaceId)]);
  if (chunks < threshold) {
    if (state !== 'none' && state !== 'building' && chunks < threshold / 2) {
      await dropVectorIndex(database, workspaceId);
      return 'dropped';
    }
    return 'below-threshold';
  }
  if (state === 'ready') return 'ready';
  if (state === 'building') return 'building-elsewhere';
  if (state === 'invalid') await dropVectorIndex(database, workspaceId);
  return buildVectorIndex(database, workspaceId);
}

/** Drops the indexes of workspaces that no longer exist (a process that died between a delete and its drop). */
export async function dropOrphanedVectorIndexes(database: Database): Promise<number> {
  const { rows } = await database.query<{ workspace_id: string }>(
    `SELECT w.workspace_id FROM (
       SELECT (regexp_match(c.relname, '^chunks_embedding_([0-9a-f]{32})$'))[1]::uuid AS workspace_id
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       WHERE i.indrelid = 'chunks'::regclass AND c.relname ~ '^chunks_embedding_[0-9a-f]{32}$'
     ) w
     WHERE NOT EXISTS (SELECT 1 FROM workspaces ws WHERE ws.id = w.workspace_id)`,
  );
  for (const row of rows) await dropVectorIndex(database, row.workspace_id);
  return rows.length;
}

interface Scheduler {
  options: VectorIndexOptions;
  lastCheck: Map<string, number>;
  running: Map<string, Promise<VectorIndexOutcome | undefined>>;
}

// Per-database state of the checks searches schedule (when each workspace was last looked at,
// and the options), not shared behaviour: each Database gets its own.
const schedulers = new WeakMap<Database, Scheduler>();

function schedulerOf(database: Database): Scheduler {
  let scheduler = schedulers.get(database);
  if (!scheduler) {
    scheduler = { options: {}, lastCheck: new Map(), running: new Map() };
    schedulers.set(database, scheduler);
  }
  return scheduler;
}

/** Sets the options of the checks that searches on `database` schedule (tests lower the threshold). */
export function configureVectorIndexing(database: Database, options: VectorIndexOptions): void {
  schedulerOf(database).options = options;
}

/**
 * Called after a vector or hybrid search: checks the workspace's index in the background at most
 * once a minute per workspace in this process. Never throws and never delays the search; a failed
 * build is retried at a later check. Returns the check it started, if it started one.
 */
export function scheduleVectorIndexCheck(database: Database, workspaceId: string): Promise<VectorIndexOutcome | undefined> | undefined {
  const scheduler = schedulerOf(database);
  if (scheduler.options.automatic === false) return undefined;
  const now = Date.now();
  const last = scheduler.lastCheck.get(workspaceId);
  if (scheduler.running.has(workspaceId) || (last !== undefined && now - last < checkIntervalMs)) return undefined;
  scheduler.lastCheck.set(workspaceId, now);
  const { running } = scheduler;
  const check = ensureVectorIndex(database, workspaceId, scheduler.options)
    .catch(() => undefined)
    .finally(() => running.delete(workspaceId));
  running.set(workspaceId, check);
  return check;
}
