// What a failed database call says about the database rather than about the request: the server
// or the connection to it is gone (a restart, a dropped connection, the embedded owner exiting),
// or its disk is full. Both drivers (pg over the wire, PGlite in-process) are covered.
import { conflict, databaseUnavailable, isForeignKeyViolation, storageFull, type RagspaceError } from '../errors.ts';

// Socket errors of a connection that failed or broke.
const connectionErrnos = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

// SQLSTATEs of a server going away: admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections.
const unavailableStates = new Set(['57P01', '57P02', '57P03', '53300']);

// pg and pglite-socket report a lost connection in words only.
const connectionLostMessages =
  /Connection terminated|connection error|not queryable|Handler disconnected|timeout exceeded when trying to connect|Connection refused/i;

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The database (or the connection to it) is unavailable; retrying later may succeed. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const code = codeOf(error);
  if (code && (connectionErrnos.has(code) || unavailableStates.has(code) || code.startsWith('08'))) return true;
  // The embedded database's socket file is gone (its owner exited); not any missing file.
  if (code === 'ENOENT' && (error as { syscall?: string }).syscall === 'connect') return true;
  return error instanceof Error && connectionLostMessages.test(error.message);
}

/** disk_full: the database could not extend a file or write its log. */
export function isDiskFull(error: unknown): boolean {
  return codeOf(error) === '53100';
}

/**
 * deadlock_detected or serialization_failure: the database rolled this transaction back to let a
 * concurrent one through (on a real server, e.g. a workspace deleted while it is being written).
 * Running the transaction again may succeed.
 */
export function isTransactionConflict(error: unknown): boolean {
  const code = codeOf(error);
  return code === '40P01' || code === '40001';
}

/**
 * The client-facing error for a database failure that is not the request's fault, or null. A
 * failed statement rolled its transaction back, so the request changed nothing (a retried upload
 * is recognised by its content hash and not stored twice).
 */
export function clientErrorForDatabaseFailure(error: unknown): RagspaceError | null {
  if (isDatabaseUnavailable(error)) return databaseUnavailable('The database cannot be reached right now; retry shortly');
  if (isDiskFull(error)) {
    return storageFull("The database's disk is full, so nothing was written; reads still work, and writes resume once space is freed");
  }
  if (isTransactionConflict(error)) {
    return conflict('This request ran into a concurrent change and was rolled back, so nothing was written; retry it');
  }
  if (isForeignKeyViolation(error)) {
    return conflict('Something this request refers to (its workspace, a document, an agent) was deleted while it ran; nothing was written');
  }
  return null;
}
