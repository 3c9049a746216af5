// Chat-turn leases: a row per running turn. They cap a workspace's concurrent chat streams
// (concurrentChatStreams) and let one turn at a time run on a session. A turn renews its lease
// while it runs and deletes it when it ends, whether it succeeded, failed or lost its client; a
// process that dies mid-turn stops renewing, and its lease expires on its own.
import type { Database, Queryable } from '../db/database.ts';
import { withWorkspace } from '../db/workspace-scope.ts';
import { sessionBusy } from '../errors.ts';
import { quotaRefusal } from './quotas.ts';
import type { WorkspaceContext } from './workspace-context.ts';

export interface TurnLease {
  id: string;
  sessionId: string;
  expiresAt: Date;
}

export interface LeaseOptions {
  now: Date;
  ttlSeconds: number;
  /** Count the workspace's live leases against concurrentChatStreams (off for the operator's CLI). */
  enforceLimit: boolean;
}

function expiry(now: Date, ttlSeconds: number): Date {
  return new Date(now.getTime() + ttlSeconds * 1000);
}

/**
 * Throws 409 session_busy while a turn on the session holds a live lease; clears its expired one.
 * Called under the session's row lock, which every turn on the session takes first.
 */
export async function assertSessionFree(transaction: Queryable, workspaceId: string, sessionId: string, now: Date): Promise<void> {
  const { rows } = await transaction.query<{ expiresAt: Date }>(
    'DELETE FROM chat_turn_leases WHERE workspace_id = $1 AND session_id = $2 AND expires_at <= $3 RETURNING expires_at AS "expiresAt"',
    [workspaceId, sessionId, now],
  );
  if (rows.length > 0) return;
  const { rows: running } = await transaction.query<{ expiresAt: Date }>(
    'SELECT expires_at AS "expiresAt" FROM chat_turn_leases WHERE workspace_id = $1 AND session_id = $2',
    [workspaceId, sessionId],
  );
  if (running[0]) {
    throw sessionBusy('A turn is already running on this session; send the next message when it has answered', {
      retryAfterSeconds: Math.max(1, Math.ceil((new Date(running[0].expiresAt).getTime() - now.getTime()) / 1000)),
    });
  }
}

/**
 * Takes the lease of a new turn on a free session (assertSessionFree), as late as possible in the
 * turn's first transaction: counting the workspace's live leases serialises its turns' admissions.
 * Throws 429 quota_exceeded when the workspace already runs its limit of turns.
 */
export async function acquireTurnLease(transaction: Queryable, workspaceId: string, sessionId: string, options: LeaseOptions): Promise<TurnLease> {
  const { now, ttlSeconds } = options;
  if (options.enforceLimit) {
    // Counting and inserting must not interleave between two turns of one workspace.
    await transaction.query("SELECT pg_advisory_xact_lock(hashtextextended('ragspace:chat-turn-leases:' || $1::text, 0))", [workspaceId]);
    // Expired leases belong to turns whose process stopped renewing them: they free their slot now.
    await transaction.query('DELETE FROM chat_turn_leases WHERE workspace_id = $1 AND expires_at <= $2', [workspaceId, now]);
    const { rows } = await transaction.query<{ live: unknown; earliest: Date | null; limit: unknown }>(
      `SELECT count(*) AS live, min(expires_at) AS earliest, ragspace_workspace_limit('concurrentChatStreams') AS "limit"
       FROM chat_turn_leases WHERE workspace_id = $1`,
      [workspaceId],
    );
    const live = Number(rows[0]!.live);
    const limit = rows[0]!.limit === null ? null : Number(rows[0]!.limit);
    if (limit !== null && live >= limit) {
      const earliest = rows[0]!.earliest;
      throw quotaRefusal({ quota: 'concurrentChatStreams', limit, used: live, resetsAt: earliest ? new Date(earliest).toISOString() : null });
    }
  }
  const expiresAt = expiry(now, ttlSeconds);
  const { rows } = await transaction.query<{ id: string }>(
    'INSERT INTO chat_turn_leases (workspace_id, session_id, acquired_at, expires_at) VALUES ($1, $2, $3, $4) RETURNING id',
    [workspaceId, sessionId, now, expiresAt],
  );
  return { id: rows[0]!.id, sessionId, expiresAt };
}

/** Pushes a running turn's lease forward; false if it is gone (expired and taken over, or its session deleted). */
export function renewTurnLease(database: Database, context: WorkspaceContext, leaseId: string, now: Date, ttlSeconds: number): Promise<boolean> {
  return withWorkspace(database, context, async (transaction) => {
    const { rowCount } = await transaction.query('UPDATE chat_turn_leases SET expires_at = $3 WHERE workspace_id = $1 AND id = $2', [
      context.workspaceId,
      leaseId,
      expiry(now, ttlSeconds),
    ]);
    return rowCount > 0;
  });
}

/** Ends a turn's lease, inside the turn's last transaction. */
export async function releaseTurnLease(transaction: Queryable, workspaceId: string, leaseId: string): Promise<void> {
  await transaction.query('DELETE FROM chat_turn_leases WHERE workspace_id = $1 AND id = $2', [workspaceId, leaseId]);
}
