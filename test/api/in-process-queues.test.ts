// The API's in-process helper without a database: the rate limiter. (Ingestion jobs live in
// PostgreSQL now: test/jobs/ingestion-jobs.test.ts.)
import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '../../src/api/rate-limiter.ts';

describe('rate limiter', () => {
  it('allows a burst, then refills at the sustained rate, per credential', () => {
    let now = 0;
    const limiter = createRateLimiter({ requestsPerSecond: 2, burst: 3 }, () => now);
    expect([1, 2, 3].map(() => limiter.check('a').allowed)).toEqual([true, true, true]);
    const refused = limiter.check('a');
    expect(refused).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(limiter.check('b').allowed).toBe(true);
    now += 500;
    expect(limiter.check('a').allowed).toBe(true);
    expect(limiter.check('a').allowed).toBe(false);
  });

  it('forgets the least recently used credentials beyond its bound', () => {
    let now = 0;
    const limiter = createRateLimiter({ requestsPerSecond: 1, burst: 1, maximumTrackedCredentials: 2 }, () => now);
    limiter.check('a');
    limiter.check('b');
    limiter.check('c');
    // "a" was dropped, so it starts with a full bucket again; "c" is still empty.
    expect(limiter.check('a').allowed).toBe(true);
    expect(limiter.check('c').allowed).toBe(false);
    now += 1000;
    expect(limiter.check('c').allowed).toBe(true);
  });
});
