// CSV answers for report routes: a client that sends `Accept: text/csv` gets CSV instead of JSON.
import type { FastifyReply, FastifyRequest } from 'fastify';

export function wantsCsv(request: FastifyRequest): boolean {
  return /(^|,)\s*text\/csv\b/i.test(request.headers.accept ?? '');
}

/** Sends CSV text as a download; the route's JSON response schema does not apply to it. */
export function sendCsv(reply: FastifyReply, csv: string, filename: string): FastifyReply {
  return reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${filename}"`)
    .serializer((payload: unknown) => String(payload))
    .send(csv);
}
