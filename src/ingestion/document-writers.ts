// How many document versions one process (a server, or `ragspace ingest`) writes at once. A
// write's transaction runs the BM25 triggers (postings and per-workspace term statistics):
// CPU-bound work in the database, about 0.7 ms a chunk on PostgreSQL. Writers beyond about half
// the cores take the CPU that every other tenant's searches need without adding throughput
// (bench: noisy-neighbour), and on the embedded database, which runs one transaction at a time,
// each one queues ahead of searches for a whole transaction. A writer waiting here holds no
// connection and no transaction.
import pLimit from 'p-limit';
import { countWaitingDocumentWrites } from '../observability/metrics.ts';

/** Runs a document write when a slot is free. */
export type DocumentWriters = <T>(write: () => Promise<T>) => Promise<T>;

/** Writes through `concurrency` slots; the ones waiting are counted in ragspace_document_writes_waiting. */
export function limitDocumentWriters(concurrency: number): DocumentWriters {
  const limit = pLimit(concurrency);
  return (write) => {
    countWaitingDocumentWrites(1);
    return limit(() => {
      countWaitingDocumentWrites(-1);
      return write();
    });
  };
}

