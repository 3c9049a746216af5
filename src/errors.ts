// Every error a client can see is defined here once, with its machine-readable code and HTTP status.

export class RagspaceError extends Error {
  override name = 'RagspaceError';
  constructor(
    readonly code: string,
    readonly statusCode: number,
    message: string,
    readonly details?: unknown,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

function defineError(code: string, statusCode: number) {
  /** `options.cause` keeps the wrapped failure for the log (never sent to the client). */
  const create = (message: string, details?: unknown, options?: ErrorOptions) => new RagspaceError(code, statusCode, message, details, options);
  return Object.assign(create, { code, statusCode });
}

export const validationError = defineError('validation_error', 400);
/** A request the HTTP layer could not read (malformed request line, headers or framing). */
export const badRequest = defineError('bad_request', 400);
/** The client took longer than the configured request or header timeout to send its request. */
export const requestTimeout = defineError('request_timeout', 408);
/** A path parameter longer than the router accepts. */
export const uriTooLong = defineError('uri_too_long', 414);
/** Request headers larger than the server accepts. */
export const headersTooLarge = defineError('headers_too_large', 431);
export const unauthorized = defineError('unauthorized', 401);
export const forbidden = defineError('forbidden', 403);
export const insufficientScope = defineError('insufficient_scope', 403);
export const workspaceMismatch = defineError('workspace_mismatch', 403);
export const organizationMismatch = defineError('organization_mismatch', 403);
/** The operator suspended the organization (or the workspace): every route refuses its keys; its data is kept. */
export const organizationSuspended = defineError('organization_suspended', 403);
export const workspaceSuspended = defineError('workspace_suspended', 403);
/** A destructive request whose confirmation parameter does not name the thing it destroys. */
export const confirmationMismatch = defineError('confirmation_mismatch', 422);
/** No route has this method and path (distinct from a missing resource). */
export const routeNotFound = defineError('route_not_found', 404);
/** The path exists but not with this method (e.g. GET on the stateless MCP endpoint). */
export const methodNotAllowed = defineError('method_not_allowed', 405);
/** The server is at capacity for CPU work (its worker pool's queue is full); retry later. */
export const serviceBusy = defineError('service_busy', 503);
/** A workspace already has as many uploads waiting as it may; retry when some have finished. */
export const ingestionQueueFull = defineError('ingestion_queue_full', 429);
export const internalError = defineError('internal_error', 500);
export const notFound = defineError('not_found', 404);
/** The OpenAI-compatible API's `model` names no agent of the key's workspace (OpenAI's own code). */
export const modelNotFound = defineError('model_not_found', 404);
export const conflict = defineError('conflict', 409);
export const payloadTooLarge = defineError('payload_too_large', 413);
export const unsupportedMediaType = defineError('unsupported_media_type', 415);
export const unprocessable = defineError('unprocessable_entity', 422);
export const rateLimited = defineError('rate_limited', 429);
/** A plan quota is used up; details: {quota, limit, used, resetsAt}. */
export const quotaExceeded = defineError('quota_exceeded', 429);
/** The storage quota is used up (413: the content is too large for what is left); details as quota_exceeded. */
export const storageQuotaExceeded = defineError('storage_quota_exceeded', 413);
/** A chat turn is already running on this session; turns on one session run one at a time. */
export const sessionBusy = defineError('session_busy', 409);
/** Another request is writing a document with this source; retry once it has been stored. */
export const documentBusy = defineError('document_busy', 409);
export const notReady = defineError('not_ready', 503);
/** The database cannot be reached right now (restarting, connection lost); the request changed nothing. */
export const databaseUnavailable = defineError('database_unavailable', 503);
/** The database's disk is full; nothing was written. Reads keep working. */
export const storageFull = defineError('storage_full', 507);
/** The knowledge-graph backend (Neo4j) cannot be reached right now. */
export const graphUnavailable = defineError('graph_unavailable', 503);
export const embedderMismatch = defineError('embedder_mismatch', 409);
export const upstreamError = defineError('upstream_error', 502);
export const upstreamTimeout = defineError('upstream_timeout', 504);

/** PostgreSQL's unique_violation, raised by both PGlite and pg. */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === '23505';
}

/** PostgreSQL's foreign_key_violation: what a write refers to (its workspace, document, agent) was deleted meanwhile. */
export function isForeignKeyViolation(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === '23503';
}
