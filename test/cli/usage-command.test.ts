// `ragspace usage` as an operator runs it, on both tiers: the same rows as the API, as a table, JSON
// or CSV; and the operator's own chat turns are recorded but not bound by the workspace's plan.
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { withWorkspace } from '../../src/db/workspace-scope.ts';
import { ensureDeploymentEmbedder } from '../../src/ingestion/embedders/deployment-embedder.ts';
import { createLocalEmbedder } from '../../src/ingestion/embedders/local-embedder.ts';
import { setPrices } from '../../src/tenancy/prices.ts';
import { insertUsageEvents } from '../../src/tenancy/usage.ts';
import { getWorkspaceUsage } from '../../src/tenancy/usage-reports.ts';
import type { WorkspaceContext } from '../../src/tenancy/workspace-context.ts';
import { runCli, type CliResult } from '../helpers/cli.ts';
import { createCliEnvironment, type CliEnvironment } from '../helpers/cli-environment.ts';
import { createTestTenant } from '../helpers/database.ts';
import { setLimitOverrides } from '../helpers/limits.ts';

describe('ragspace usage', () => {
  let cli: CliEnvironment;
  let owner: Database;
  let tenant: WorkspaceContext;
  let ragspace: (...args: string[]) => Promise<CliResult>;

  beforeAll(async () => {
    cli = await createCliEnvironment();
    owner = cli.database;
    await ensureDeploymentEmbedder(owner, createLocalEmbedder());
    tenant = await createTestTenant(owner, { workspaceSlug: 'metered' });
    await setPrices(owner, { 'gpt-test': { inputPerMillion: 0.5, outputPerMillion: 1.5 } });
    await withWorkspace(owner, tenant, (transaction) =>
      insertUsageEvents(transaction, tenant.workspaceId, [
        { kind: 'chat', model: 'gpt-test', customerId: 'alice, "the first"', inputTokens: 2000, outputTokens: 400 },
        { kind: 'chat', model: 'gpt-test', customerId: 'bob', inputTokens: 1000, outputTokens: 100 },
        { kind: 'search', customerId: 'bob' },
      ]),
    );
    ragspace = (...args) => runCli(args, cli.environment);
  });
  afterAll(() => cli.close());

  // Each run of the CLI compiles and starts a process: seconds each on a busy machine.
  const cliTimeout = { timeout: 180_000 };

  it('prints the API’s rows as CSV', cliTimeout, async () => {
    const expected = await getWorkspaceUsage(owner, tenant, { groupBy: 'customer' });
    const csv = await ragspace('usage', '--workspace', 'metered', '--group-by', 'customer', '--csv');
    expect(csv.exitCode, csv.stderr).toBe(0);
    const records = parse(csv.stdout, { columns: true }) as Array<Record<string, string>>;
    expect(records.map((record) => [record.customer, record.kind, Number(record.inputTokens), Number(record.costUsd)])).toEqual(
      expected.rows.map((row) => [row.group, row.kind, row.inputTokens, row.costUsd]),
    );
    // 2,000 × 0.5 + 400 × 1.5 = 1,600 millionths of a dollar, for the customer whose id needs quoting.
    expect(records.find((record) => record.customer === 'alice, "the first"')).toMatchObject({ kind: 'chat', costUsd: '0.0016' });
  });

  it('prints JSON and a table with the totals', cliTimeout, async () => {
    const json = await ragspace('usage', '--workspace', 'metered', '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({ groupBy: null, totals: { events: 3, inputTokens: 3000, outputTokens: 500, costUsd: 0.00225 } });

    const table = await ragspace('usage', '--workspace', 'metered', '--group-by', 'model');
    expect(table.stdout).toMatch(/gpt-test\s+chat\s+2\s+3000\s+500/);
    expect(table.stdout).toMatch(/total\s+3\s+3000\s+500\s+0\s+0\s+0\s+0\s+0\.002250/);
  });

  it('refuses a bad grouping or range with a message and no stack', cliTimeout, async () => {
    for (const args of [
      ['--group-by', 'planet'],
      ['--from', '2027-02-01', '--to', '2027-01-01'],
    ]) {
      const result = await ragspace('usage', '--workspace', 'metered', ...args);
      expect(result.exitCode).not.toBe(0);
      expect(result.stderr).toMatch(/^error: /);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('records the operator’s chat turns without holding them to the plan', cliTimeout, async () => {
    await setLimitOverrides(owner, tenant.workspaceId, { chatMessagesPerDay: 0, concurrentChatStreams: 0 });
    const chat = await ragspace('chat', '--workspace', 'metered', '--message', 'Is anyone there?', '--json');
    expect(chat.exitCode, chat.stderr).toBe(0);
    const report = await getWorkspaceUsage(owner, tenant, { groupBy: 'model' });
    expect(report.rows.find((row) => row.group === 'extractive' && row.kind === 'chat')).toMatchObject({ events: 1 });
  });
});
