// Where @fastify/rate-limit keeps its counters: this process's memory, or Redis (REDIS_URL), where
// every server process increments the same counter, so N processes still allow the limit once.
import { createRequire } from 'node:module';
import { normalizeIP, type RateLimitPluginOptions } from '@fastify/rate-limit';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import { Redis } from 'ioredis';
import { rateLimited } from '../errors.ts';
import type { Logger } from '../logger.ts';

export class RedisUnavailableError extends Error {
  override name = 'RedisUnavailableError';
}

/**
 * Connects to REDIS_URL and waits until it answers, so a wrong URL stops start-up with a clear
 * message instead of failing requests later. Afterwards a lost connection fails commands at once
 * (no offline queue) and the limiters let requests through (limits.ts says so in the log).
 */
export async function connectRateLimitRedis(url: string, logger: Logger): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 5_000,
    commandTimeout: 2_000,
  });
  let lastReported = 0;
  redis.on('error', (error: Error) => {
    // Reconnection retries repeat the same error; once a minute is enough.
    if (Date.now() - lastReported < 60_000) return;
    lastReported = Date.now();
    logger.warn({ err: error }, 'Redis (rate-limit counters) is unreachable; requests are not rate-limited until it is back');
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new RedisUnavailableError(`REDIS_URL: cannot reach Redis for the rate-limit counters (${(error as Error).message})`);
  }
  return redis;
}

type Counted = (error: Error | null, result?: { current: number; ttl: number }) => void;
interface CounterStore {
  incr(key: string, callback: Counted, timeWindow: number, max: number): void;
  read(key: string, callback: Counted, timeWindow: number, max: number): void;
  child(options: StoreOptions): CounterStore;
}
interface StoreOptions {
  continueExceeding?: boolean;
  exponentialBackoff?: boolean;
  cache?: number;
}

const LibraryLocalStore = createRequire(import.meta.url)('@fastify/rate-limit/store/LocalStore') as new (
  continueExceeding: boolean | undefined,
  exponentialBackoff: boolean | undefined,
  cache?: number,
) => CounterStore;

/**
 * The library's in-memory store, answering each caller with a copy of the counter. Its own hands
 * every caller the one live counter object, which later increments change before the caller's
 * await resumes: N requests arriving together all read N and all get 429.
 */
class SnapshotLocalStore implements CounterStore {
  private readonly store: CounterStore;
  constructor(options: StoreOptions) {
    this.store = new LibraryLocalStore(options.continueExceeding, options.exponentialBackoff, options.cache);
  }
  incr(key: string, callback: Counted, timeWindow: number, max: number): void {
    this.store.incr(key, (error, result) => callback(error, result && { current: result.current, ttl: result.ttl }), timeWindow, max);
  }
  read(key: string, callback: Counted, timeWindow: number, max: number): void {
    this.store.read(key, (error, result) => callback(error, result && { current: result.current, ttl: result.ttl }), timeWindow, max);
  }
  child(options: StoreOptions): CounterStore {
    return new SnapshotLocalStore(options);
  }
}

/** Options of @fastify/rate-limit: not applied to every route (the limits plugin decides), shared counters when Redis is given. */
export function rateLimitPluginOptions(redis: Redis | null): RateLimitPluginOptions {
  return {
    global: false,
    ...(redis ? { redis, nameSpace: 'ragspace:rate-limit:' } : { store: SnapshotLocalStore as unknown as RateLimitPluginOptions['store'] }),
    // Routes limited by their own config (sign-up) answer in the API's error shape.
    errorResponseBuilder: (_request, context) =>
      rateLimited(`Too many requests from this address; retry in ${Math.ceil(context.ttl / 1000)} s`, {
        limit: 'address',
        retryAfterSeconds: Math.ceil(context.ttl / 1000),
      }),
  };
}

/** A client address as a counter key: IPv4 as is, IPv6 by its /64 (one subscriber's whole block). */
export function clientAddressKey(request: FastifyRequest): string {
  return normalizeIP(request.ip);
}

let lastUncountedReport = 0;

/**
 * A counter could not be read or incremented (Redis unreachable): the request goes on uncounted,
 * which is said in the log once a minute, not once a request.
 */
export function reportUncounted(log: FastifyBaseLogger, error: unknown): void {
  if (Date.now() - lastUncountedReport < 60_000) return;
  lastUncountedReport = Date.now();
  log.warn({ err: error }, 'rate-limit counter unavailable; requests are not counted until it is back');
}
