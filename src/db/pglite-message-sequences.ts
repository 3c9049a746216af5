// pglite-socket serves many clients on PGlite's single session, one protocol message at a time:
// it keeps serving one client only while a transaction is open (PGlite's isInTransaction()), and
// otherwise takes whichever client's message came first. But the extended query protocol (Parse,
// Bind, Describe, Execute … Sync, which pg uses for every query with parameters) keeps state in
// the session between those messages: the unnamed statement and portal. Interleaved with another
// client's, one client's Bind runs the other's statement, an Execute lands in the other's
// transaction, and the session can be left inside a transaction that no client will end, which
// stops every client for good (seen once the key cache polled a few times a second). So the
// instance the socket server sees reports "in a transaction" from a client's first extended
// message to its Sync: the server then serves that client alone until the sequence is complete.
import type { PGlite } from '@electric-sql/pglite';
import { overridePglite } from './pglite-overrides.ts';

// Frontend message types (the first byte): those that continue an extended sequence, and those
// that complete it (Sync, a simple Query, Terminate).
const continuesSequence = new Set(['P', 'B', 'D', 'E', 'C', 'H'].map((type) => type.charCodeAt(0)));
const completesSequence = new Set(['S', 'Q', 'X'].map((type) => type.charCodeAt(0)));

/** The instance as pglite-socket's server should use it: extended sequences are never interleaved. */
export function serveWholeMessageSequences(instance: PGlite): PGlite {
  let inSequence = false;
  const overrides: Partial<PGlite> = {
    isInTransaction: () => inSequence || instance.isInTransaction(),
    async execProtocolRawStream(message, options) {
      const type = message[0]!;
      if (continuesSequence.has(type)) inSequence = true;
      else if (completesSequence.has(type)) inSequence = false;
      return instance.execProtocolRawStream(message, options);
    },
    // The server rolls back with exec() when a client leaves mid-transaction: its sequence is over too.
    exec(...args: Parameters<PGlite['exec']>) {
      inSequence = false;
      return instance.exec(...args);
    },
  };
  return overridePglite(instance, overrides);
}
