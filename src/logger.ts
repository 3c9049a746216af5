// Structured logs. Key material never reaches a log line: these paths are redacted wherever they
// appear, and a request's URL is logged with secret query parameters (?api_key=…) and anything
// shaped like a ragspace key masked, since a client may put a key where it does not belong.
import { pino, type Logger, type LoggerOptions } from 'pino';

export const redactedPaths = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers["x-api-key"]',
  'secret',
  '*.secret',
  'apiKey.secret',
  'password',
  '*.password',
];

const censor = '[redacted]';
const secretQueryParameter = /([?&](?:api[_-]?key|key|token|access[_-]?token|secret|password|authorization)=)[^&#]*/gi;
// rsk_/rso_ keys: the public prefix stays readable, the secret part does not.
const ragspaceKeySecret = /\b(rs[ko]_[a-z0-9]{12})_[A-Za-z0-9_-]+/g;

/** A URL as it may be logged. */
export function redactUrl(url: string): string {
  return url.replace(secretQueryParameter, `$1${censor}`).replace(ragspaceKeySecret, `$1_${censor}`);
}

interface LoggedRequest {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number } | null;
}

/** Fastify's request serializer, with the URL redacted (a logger's own serializers win over Fastify's). */
function serializeRequest(request: LoggedRequest) {
  return {
    method: request.method,
    url: request.url === undefined ? undefined : redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

export type { Logger };

/** The options of every ragspace logger (the server's and the tests'). */
export function loggerOptions(level: string): LoggerOptions {
  return { level, redact: { paths: redactedPaths, censor }, serializers: { req: serializeRequest } };
}

export function createLogger(level: string, destination: 'stdout' | 'stderr' = 'stdout'): Logger {
  return pino(loggerOptions(level), pino.destination(destination === 'stdout' ? 1 : 2));
}
