// Structured logs. Key material never reaches a log line: these paths are redacted wherever they appear.
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

export type { Logger };

export function createLogger(level: string, destination: 'stdout' | 'stderr' = 'stdout'): Logger {
  const options: LoggerOptions = { level, redact: { paths: redactedPaths, censor: '[redacted]' } };
  return pino(options, pino.destination(destination === 'stdout' ? 1 : 2));
}
