// A minimal Server-Sent Events writer over Fastify's raw response.
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface EventStream {
  send(event: string, data: unknown): void;
  end(): void;
  /** True once the client has gone away. */
  readonly closed: boolean;
}

/** Takes over the response (Fastify no longer serialises it) and opens an event stream. */
export function openEventStream(request: FastifyRequest, reply: FastifyReply, onClientGone: () => void): EventStream {
  reply.hijack();
  const response = reply.raw;
  response.writeHead(200, {
    // Headers the plugins set before the stream opened (security, rate-limit) go out too.
    ...(reply.getHeaders() as Record<string, string | number | string[]>),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    // Proxies (nginx) would otherwise buffer the stream.
    'x-accel-buffering': 'no',
    'x-request-id': request.id,
  });
  let closed = false;
  response.on('close', () => {
    if (!response.writableFinished) onClientGone();
    closed = true;
  });
  return {
    send(event, data) {
      if (closed || response.writableEnded) return;
      response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    end() {
      if (!response.writableEnded) response.end();
    },
    get closed() {
      return closed;
    },
  };
}

export function wantsEventStream(request: FastifyRequest, bodyAsksForStream: boolean | undefined): boolean {
  if (bodyAsksForStream !== undefined) return bodyAsksForStream;
  return (request.headers.accept ?? '').includes('text/event-stream');
}
