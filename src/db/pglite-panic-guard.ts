// PGlite after a PANIC: PostgreSQL panics when it cannot write its log (a full disk), and a real
// server then restarts and recovers. PGlite is one process: the statement that panicked gets the
// error, but the next call into the instance spins for ever, and every client of the embedded
// database with it. The guard reads what the instance answers on the wire; once it has answered
// a PANIC, every later call fails at once, so its host can stop serving and the data directory
// can be opened again (PostgreSQL's recovery) when there is room.
import type { PGlite } from '@electric-sql/pglite';
import { overridePglite } from './pglite-overrides.ts';

export class PgliteStoppedError extends Error {
  override name = 'PgliteStoppedError';
  // A lost connection, to the pg clients of the embedded database and to isDatabaseUnavailable().
  readonly code = '57P02';
}

/** Finds ErrorResponse messages of severity PANIC in a stream of backend messages, across chunks. */
function createPanicDetector(): (chunk: Uint8Array) => boolean {
  let pending = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([pending, chunk]);
    let panicked = false;
    while (pending.length >= 5) {
      const length = pending.readInt32BE(1);
      if (pending.length < 1 + length) break;
      // 'E': ErrorResponse, fields of (one-byte code, NUL-terminated text) up to a NUL.
      if (pending[0] === 0x45) {
        for (let offset = 5; offset < 1 + length && pending[offset] !== 0; ) {
          const end = pending.indexOf(0, offset + 1);
          const code = String.fromCharCode(pending[offset]!);
          if ((code === 'S' || code === 'V') && pending.toString('utf8', offset + 1, end) === 'PANIC') panicked = true;
          offset = end + 1;
        }
      }
      pending = pending.subarray(1 + length);
    }
    return panicked;
  };
}

/**
 * The instance as the socket server uses it, failing fast after a PANIC. `onPanic` runs once,
 * after the panicking statement's answer has been passed on (so its client sees the real error).
 */
export function guardAgainstPanic(instance: PGlite, onPanic: (message: string) => void): PGlite {
  let stopped = false;
  const refuse = () => Promise.reject(new PgliteStoppedError('The embedded database stopped after a PANIC (is the disk full?)'));
  const guarded: Partial<PGlite> = {
    isInTransaction: () => !stopped && instance.isInTransaction(),
    runExclusive: <T>(work: () => Promise<T>) => (stopped ? refuse() : instance.runExclusive(work)),
    exec: (...args: Parameters<PGlite['exec']>) => (stopped ? refuse() : instance.exec(...args)),
    async execProtocolRawStream(message, options) {
      if (stopped) return refuse();
      const detect = createPanicDetector();
      let panicked = false;
      await instance.execProtocolRawStream(message, {
        ...options,
        onRawData: (data) => {
          panicked ||= detect(data);
          options.onRawData(data);
        },
      });
      if (panicked && !stopped) {
        stopped = true;
        onPanic('PostgreSQL stopped with a PANIC (see the error sent to the client)');
      }
    },
  };
  return overridePglite(instance, guarded);
}
