// Per-credential token buckets, in process. Each server process limits on its own, so N processes
// allow N times the rate; a shared limiter (e.g. @fastify/rate-limit with Redis) can replace this
// behind the same check() without touching routes.

export interface RateLimitOptions {
  /** Sustained requests per second per credential. */
  requestsPerSecond: number;
  /** Requests a credential may make at once after being idle. */
  burst: number;
  /** Buckets kept; the least recently used are dropped beyond this (a dropped bucket starts full). */
  maximumTrackedCredentials?: number;
}

export const defaultRateLimit: RateLimitOptions = { requestsPerSecond: 50, burst: 100 };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export interface RateLimitDecision {
  allowed: boolean;
  /** Seconds until one request would be allowed (0 when allowed). */
  retryAfterSeconds: number;
}

export function createRateLimiter(options: RateLimitOptions, now: () => number = () => performance.now()) {
  const { requestsPerSecond, burst } = options;
  const maximumTracked = options.maximumTrackedCredentials ?? 10_000;
  // Map iteration order is insertion order: re-inserting on use keeps the oldest first.
  const buckets = new Map<string, Bucket>();

  return {
    check(credentialId: string): RateLimitDecision {
      const time = now();
      const bucket = buckets.get(credentialId) ?? { tokens: burst, updatedAt: time };
      buckets.delete(credentialId);
      bucket.tokens = Math.min(burst, bucket.tokens + ((time - bucket.updatedAt) / 1000) * requestsPerSecond);
      bucket.updatedAt = time;
      const allowed = bucket.tokens >= 1;
      if (allowed) bucket.tokens -= 1;
      buckets.set(credentialId, bucket);
      if (buckets.size > maximumTracked) buckets.delete(buckets.keys().next().value!);
      return { allowed, retryAfterSeconds: allowed ? 0 : Math.ceil((1 - bucket.tokens) / requestsPerSecond) };
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
