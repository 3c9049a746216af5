// CSV answers for report routes: a client that sends `Accept: text/csv` gets the rows as CSV
// (RFC 4180, written by csv-stringify) instead of JSON.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { stringify } from 'csv-stringify/sync';

export function wantsCsv(request: FastifyRequest): boolean {
  return /(^|,)\s*text\/csv\b/i.test(request.headers.accept ?? '');
}

/** Sends rows as CSV with a header line; `columns` fixes the order (and keeps it when there are no rows). */
export function sendCsv(reply: FastifyReply, columns: readonly string[], rows: ReadonlyArray<object>, filename: string): FastifyReply {
  const text = stringify(
    rows.map((row) => columns.map((column) => (row as Record<string, unknown>)[column] ?? '')),
    { header: true, columns: [...columns] },
  );
  return reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${filename}"`)
    .serializer((payload: unknown) => String(payload))
    .send(text);
}
