// A minimal Server-Sent Events writer over Fastify's raw response.
import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface EventStream {
  /** A named event (`event: <name>`), the ragspace chat stream's format. */
  send(event: string, data: unknown): void;
  /** An unnamed event (`data:` only), OpenAI's stream format; a string is sent as is (`[DONE]`). */
  sendData(data: unknown): void;
  end(): void;
  /** True once the client has gone away. */
  readonly closed: boolean;
}

/**
 * Takes the response over from Fastify for a handler that writes it itself (a stream, or a
 * library with its own writer), keeping the headers the hooks already set (security headers,
 * request id); Fastify no longer serialises or sends it.
 */
export function takeOverResponse(request: FastifyRequest, reply: FastifyReply): ServerResponse {
  for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) reply.raw.setHeader(name, value);
  reply.raw.setHeader('x-request-id', request.id);
  reply.hijack();
  return reply.raw;
}

/** Takes over the response and opens an event stream. */
export function openEventStream(request: FastifyRequest, reply: FastifyReply, onClientGone: () => void): EventStream {
  const response = takeOverResponse(request, reply);
  response.writeHead(200, {
    // Headers the plugins set before the stream opened (security, rate-limit) go out too.
    ...(reply.getHeaders() as Record<string, string | number | string[]>),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    // Proxies (nginx) would otherwise buffer the stream.
    'x-accel-buffering': 'no',
  });
  let closed = false;
  response.on('close', () => {
    if (!response.writableFinished) onClientGone();
    closed = true;
  });
  const write = (text: string) => {
    if (!closed && !response.writableEnded) response.write(text);
  };
  return {
    send: (event, data) => write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`),
    sendData: (data) => write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`),
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
