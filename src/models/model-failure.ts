// A chat model that fails or times out is the upstream's fault, not ours: 502/504 with a clear
// message, the original failure kept as `cause` for the log.
import { RagspaceError, upstreamError, upstreamTimeout } from '../errors.ts';

/** Raised when a streaming model goes silent for longer than CHAT_TIMEOUT_MS. */
export class ModelTimeoutError extends Error {
  override name = 'ModelTimeoutError';
  constructor(readonly idleMs: number) {
    super(`The model sent nothing for ${idleMs} ms (timed out)`);
  }
}

export function describeModelFailure(error: unknown, modelName: string, timeoutMs: number): RagspaceError {
  if (error instanceof RagspaceError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const name = error instanceof Error ? error.constructor.name : '';
  if (error instanceof ModelTimeoutError || /timed? ?out|timeout/i.test(message) || /Timeout/.test(name)) {
    return upstreamTimeout(`The language model "${modelName}" did not answer within ${Math.round(timeoutMs / 1000)} s`, undefined, { cause: error });
  }
  const status = (error as { status?: number }).status;
  return upstreamError(
    `The language model "${modelName}" failed${status ? ` (HTTP ${status})` : ''}: ${message}`,
    { upstreamStatus: status },
    { cause: error },
  );
}
