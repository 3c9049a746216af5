// The API key check (issues 10 and 12), on both tiers:
// - what authenticating a request costs with the key cache (a key once seen is checked in memory)
//   and without it (every check looks the key up in the database), per check and per request;
// - whether the answer's timing tells an unknown key prefix from a known prefix with a wrong
//   secret: interleaved, for prefixes already seen (the cache answers) and for prefixes never seen
//   before (one database lookup each).
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { buildApp } from '../../src/api/app.ts';
import { createPrincipalResolver, type PrincipalResolver } from '../../src/api/principal.ts';
import { loadConfig } from '../../src/config.ts';
import type { Database } from '../../src/db/database.ts';
import { createPostgresGraphStore } from '../../src/graph/postgres/postgres-graph-store.ts';
import { ensureDeploymentEmbedder } from '../../src/ingestion/embedders/deployment-embedder.ts';
import { createLocalEmbedder } from '../../src/ingestion/embedders/local-embedder.ts';
import type { Runtime } from '../../src/runtime.ts';
import { createApiKey } from '../../src/tenancy/api-keys.ts';
import { createCredentialCache } from '../../src/tenancy/credential-cache.ts';
import { createOrganization } from '../../src/tenancy/organizations.ts';
import { createWorkspaceContext } from '../../src/tenancy/workspace-context.ts';
import { createWorkspace } from '../../src/tenancy/workspaces.ts';
import { percentile, round, sized, withBenchDatabase, type BenchScenario, type ScenarioContext, type ScenarioReport } from '../scenario.ts';

const pepper = 'bench-key-check-pepper-0123456789abcdef01';

interface Timing {
  p25: number;
  p50: number;
  p75: number;
  p99: number;
}

function timing(microseconds: number[]): Timing {
  return {
    p25: round(percentile(microseconds, 0.25), 1),
    p50: round(percentile(microseconds, 0.5), 1),
    p75: round(percentile(microseconds, 0.75), 1),
    p99: round(percentile(microseconds, 0.99), 1),
  };
}

async function timed(action: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await action();
  return Number(process.hrtime.bigint() - started) / 1000;
}

/**
 * Runs each action `rounds` times, interleaved and in a rotating order (a b c, b c a, c a b, …), so
 * drift in the machine's load and whatever one action leaves behind for the next hit all alike.
 */
async function interleaved(rounds: number, actions: Array<() => Promise<unknown>>): Promise<number[][]> {
  const samples = actions.map(() => [] as number[]);
  for (let round = 0; round < rounds; round += 1) {
    for (let step = 0; step < actions.length; step += 1) {
      const index = (round + step) % actions.length;
      samples[index]!.push(await timed(actions[index]!));
    }
  }
  return samples;
}

const wrongSecret = (key: string) => `${key.slice(0, 17)}${randomBytes(32).toString('base64url')}`;
const unknownKey = () => `rsk_${randomBytes(9).toString('hex').slice(0, 12)}_${randomBytes(32).toString('base64url')}`;

interface TierResult {
  tier: 'pglite' | 'postgres';
  /** µs per resolve() of a valid key. */
  validKey: { cached: Timing; uncached: Timing };
  /** µs per GET /workspaces/:id answered 200, through the whole app (inject), its key check cached. */
  request: Timing;
  /** µs per 401 answer through the app: known prefix with a wrong secret vs unknown prefix, both seen before. */
  refusedSeen: { knownPrefix: Timing; unknownPrefix: Timing };
  /** µs per resolve() as deployed: prefixes never seen before (one database lookup each), refusals held to the floor. */
  refusedFirstTime: { knownPrefix: Timing; unknownPrefix: Timing };
  /** The same without the refusal floor: what the database lookup alone gives away. */
  refusedFirstTimeWithoutFloor: { knownPrefix: Timing; unknownPrefix: Timing };
}

async function measureTier(
  tier: TierResult['tier'],
  database: Database,
  sizes: { checks: number; probedPrefixes: number },
  log: (message: string) => void,
): Promise<TierResult> {
  const { checks, probedPrefixes } = sizes;
  const embedder = createLocalEmbedder({ dimensions: 64 });
  await ensureDeploymentEmbedder(database, embedder);
  const organization = await createOrganization(database, { name: `Bench keys ${tier}` });
  const workspace = await createWorkspace(database, { organization: organization.id, name: 'Keys' });
  const context = createWorkspaceContext({ organizationId: organization.id, workspaceId: workspace.id });
  const main = (await createApiKey(database, pepper, context, { scopes: ['search'] })).secret;
  log(`${tier}: ${2 * probedPrefixes} keys for first-time probes`);
  const probeKeys: string[] = [];
  for (let index = 0; index < 2 * probedPrefixes; index += 1) probeKeys.push((await createApiKey(database, pepper, context, {})).secret);

  const options = { database, pepper, adminKey: undefined, lastUsedIntervalSeconds: 3600 };
  const cached = createPrincipalResolver(options);
  const withoutFloor = createPrincipalResolver({ ...options, refusalFloorMs: 0 });
  // Never fresh: every check goes to the database, as before the cache.
  const uncached = createPrincipalResolver({ ...options, credentials: createCredentialCache({ database, maxStalenessMs: -1 }) });
  const runtime = {
    config: loadConfig({ LOG_LEVEL: 'silent' }),
    logger: pino({ level: 'silent' }),
    database,
    keyPepper: pepper,
    embedder,
    graphStore: createPostgresGraphStore(database),
    embedded: false,
    isOwner: true,
    close: async () => undefined,
  } satisfies Runtime;
  const app = await buildApp(runtime, { rateLimit: false, lastUsedIntervalSeconds: 3600 });
  const request = (key: string, status: number) => async () => {
    const response = await app.inject({ method: 'GET', url: `/workspaces/${workspace.id}`, headers: { authorization: `Bearer ${key}` } });
    if (response.statusCode !== status) throw new Error(`expected ${status}, got ${response.statusCode}: ${response.body}`);
  };
  const resolves = (resolver: PrincipalResolver, key: string, valid: boolean) => async () => {
    const authentication = await resolver.resolve(key);
    if (Boolean(authentication) !== valid) throw new Error(`unexpected authentication result for ${key.slice(0, 16)}`);
  };
  try {
    await cached.refresh();
    log(`${tier}: valid key, cached and uncached`);
    await interleaved(50, [resolves(cached, main, true), resolves(uncached, main, true)]);
    const [validCached, validUncached] = await interleaved(checks, [resolves(cached, main, true), resolves(uncached, main, true)]);

    log(`${tier}: requests through the app (its own cache)`);
    const knownWrong = wrongSecret(main);
    const unknown = unknownKey();
    await interleaved(50, [request(main, 200), request(knownWrong, 401), request(unknown, 401)]);
    const [requestCached] = await interleaved(checks, [request(main, 200)]);
    // The two refusals alone, alternating, so neither follows the other's kind more often.
    const [refusedKnown, refusedUnknown] = await interleaved(checks, [request(knownWrong, 401), request(unknown, 401)]);

    log(`${tier}: first-time probes (${probedPrefixes} of each kind, with and without the refusal floor)`);
    const firstTime = async (resolver: PrincipalResolver, keys: string[]) => {
      const known: number[] = [];
      const unknown: number[] = [];
      for (const [index, key] of keys.entries()) {
        const probes: Array<[number[], string]> = [[known, wrongSecret(key)], [unknown, unknownKey()]];
        if (index % 2) probes.reverse();
        for (const [samples, presented] of probes) samples.push(await timed(resolves(resolver, presented, false)));
      }
      return { knownPrefix: timing(known), unknownPrefix: timing(unknown) };
    };
    await cached.refresh();
    await withoutFloor.refresh();
    const refusedFirstTime = await firstTime(cached, probeKeys.slice(0, probedPrefixes));
    const refusedFirstTimeWithoutFloor = await firstTime(withoutFloor, probeKeys.slice(probedPrefixes));
    return {
      tier,
      validKey: { cached: timing(validCached!), uncached: timing(validUncached!) },
      request: timing(requestCached!),
      refusedSeen: { knownPrefix: timing(refusedKnown!), unknownPrefix: timing(refusedUnknown!) },
      refusedFirstTime,
      refusedFirstTimeWithoutFloor,
    };
  } finally {
    await app.close();
    await cached.close();
    await withoutFloor.close();
    await uncached.close();
  }
}

function refusalRow(label: string, refusals: { knownPrefix: Timing; unknownPrefix: Timing }): Array<string | number> {
  const cell = (timing: Timing) => `${timing.p50} (${timing.p25}–${timing.p75})`;
  return [label, cell(refusals.knownPrefix), cell(refusals.unknownPrefix), round(refusals.knownPrefix.p50 - refusals.unknownPrefix.p50, 1)];
}

async function measureKeyCheck(context: ScenarioContext): Promise<ScenarioReport> {
  const sizes = { checks: sized(context, 3000, 100), probedPrefixes: sized(context, 300, 30) };
  const result = await withBenchDatabase(context, (bench) => measureTier(bench.tier, bench.database, sizes, (message) => context.log(message)));
  const rows = [
    ['key check, valid key (µs p50 / p99)', `${result.validKey.cached.p50} / ${result.validKey.cached.p99}`, `${result.validKey.uncached.p50} / ${result.validKey.uncached.p99}`, round(result.validKey.cached.p50 / result.validKey.uncached.p50, 3)],
    [
      'GET /workspaces/:id, 200 (µs p50 / p99); with every check from the database, p50 ≈',
      `${result.request.p50} / ${result.request.p99}`,
      round(result.request.p50 - result.validKey.cached.p50 + result.validKey.uncached.p50, 1),
      round(result.request.p50 / (result.request.p50 - result.validKey.cached.p50 + result.validKey.uncached.p50), 3),
    ],
    refusalRow('401, prefix seen before: known prefix + wrong secret vs unknown prefix (µs p50, p25–p75)', result.refusedSeen),
    refusalRow('refused, prefix never seen: known prefix + wrong secret vs unknown prefix (µs p50, p25–p75)', result.refusedFirstTime),
    refusalRow('the same without the 5 ms refusal floor (the database lookup alone)', result.refusedFirstTimeWithoutFloor),
  ];
  return {
    table: { columns: ['measured', 'cached / known', 'database / unknown', 'ratio, or difference µs'], rows },
    data: { ...sizes, result },
    notes: [
      `${sizes.checks} checks per measurement, interleaved; ${sizes.probedPrefixes} first-time probes of each kind.`,
      'Row 1: the cache against a resolver whose every check goes to the database (the behaviour before the cache); last column cached ÷ database. Row 2: a whole request with the cache, and the same plus the difference of row 1 (the request as it was).',
      'Rows 3–5: known prefix with a wrong secret against an unknown prefix; last column the difference of the medians (µs). Once a prefix has been seen both are answered from memory by the same code path (HMAC and a constant-time comparison against the stored or a dummy hash). The first time, the database is asked, which takes longer when a row is found; a refusal is therefore answered no sooner than 5 ms after the check began (row 4), and row 5 shows what that floor hides.',
    ],
  };
}

export const scenario: BenchScenario = {
  name: 'key-check',
  description: 'API key check with and without the key cache, and the timing of unknown prefixes against known prefixes with a wrong secret',
  run: measureKeyCheck,
};
