// The operator's commands as a user runs them: plans, an organization's plan, contact and status,
// a workspace's status and overrides, and the audit trail they leave. Bad input says why, exits
// non-zero and changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { expectCliRejected, runCli, type CliResult } from '../helpers/cli.ts';
import { createCliEnvironment, type CliEnvironment } from '../helpers/cli-environment.ts';

// Every command is a process of its own (seconds each on a busy machine).
const cliTestTimeoutMs = 240_000;

describe('ragspace plan | org | workspace | audit (administration)', () => {
  let cli: CliEnvironment;
  let owner: Database;
  let ragspace: (...args: string[]) => Promise<CliResult>;

  async function snapshot(): Promise<unknown> {
    const { rows } = await owner.query(
      `SELECT (SELECT json_agg(p ORDER BY id) FROM (SELECT id, name, limits, is_default FROM plans) p) AS plans,
              (SELECT json_agg(o ORDER BY slug) FROM (SELECT slug, plan_id, contact_email, status FROM organizations) o) AS organizations,
              (SELECT json_agg(w ORDER BY slug) FROM (SELECT slug, status, limit_overrides FROM workspaces) w) AS workspaces,
              (SELECT count(*)::int FROM audit_events) AS events`,
    );
    return rows[0];
  }

  const expectRejected = (args: string[], message: RegExp) => expectCliRejected(ragspace, snapshot, args, message);

  beforeAll(async () => {
    cli = await createCliEnvironment();
    owner = cli.database;
    ragspace = (...args) => runCli(args, cli.environment);
  });
  afterAll(() => cli.close());

  it('manages plans', async () => {
    const created = await ragspace('plan', 'create', '--id', 'team', '--name', 'Team', '--from', 'starter', '--set', 'documents=7', '--set', 'storageBytes=unlimited', '--json');
    expect(created.exitCode, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ id: 'team', isDefault: false, limits: { documents: 7, storageBytes: null, agents: 5 } });

    const updated = await ragspace('plan', 'update', 'team', '--set', 'agents=3', '--default');
    expect(updated.exitCode, updated.stderr).toBe(0);
    expect(updated.stdout).toMatch(/team: Team \(default\)/);
    expect(updated.stdout).toMatch(/agents\s+3/);
    expect(updated.stdout).toMatch(/storageBytes\s+unlimited/);

    const listed = await ragspace('plan', 'list');
    expect(listed.stdout).toMatch(/team\s+Team\s+yes/);
    expect(listed.stdout).toMatch(/^free\s+Free\s{2,}/m);
  }, cliTestTimeoutMs);

  it('rejects bad plan input', async () => {
    await expectRejected(['plan', 'update', 'team', '--set', 'gpus=1'], /gpus/);
    await expectRejected(['plan', 'update', 'team', '--set', 'documents=lots'], /write name=value/);
    await expectRejected(['plan', 'delete', 'team'], /is the default plan/);
  }, cliTestTimeoutMs);

  it("sets an organization's plan, contact and status", async () => {
    const organization = await ragspace('org', 'create', '--name', 'Globex', '--contact-email', 'hank@globex.example', '--json');
    expect(JSON.parse(organization.stdout)).toMatchObject({ slug: 'globex', planId: 'team', contactEmail: 'hank@globex.example', status: 'active' });
    expect((await ragspace('org', 'set-plan', 'globex', 'pro')).stdout).toMatch(/globex .*plan pro, active/);
    expect((await ragspace('org', 'update', 'globex', '--contact-email', 'scorpio@globex.example')).stdout).toMatch(/contact scorpio@globex\.example/);
    expect((await ragspace('org', 'suspend', 'globex', '--reason', 'chargeback')).stdout).toMatch(/suspended/);
    expect((await ragspace('org', 'list')).stdout).toMatch(/globex\s+Globex\s+pro\s+suspended\s+scorpio@globex\.example/);
    expect((await ragspace('org', 'reactivate', 'globex')).stdout).toMatch(/active/);
  }, cliTestTimeoutMs);

  it("sets a workspace's status and overrides", async () => {
    expect((await ragspace('workspace', 'create', '--org', 'globex', '--name', 'Research')).exitCode).toBe(0);
    expect((await ragspace('workspace', 'suspend', 'globex/research')).stdout).toMatch(/research .*: suspended/);
    expect((await ragspace('workspace', 'reactivate', 'globex/research')).stdout).toMatch(/: active/);
    const limits = await ragspace('workspace', 'limits', 'globex/research', '--set', 'documents=5', '--set', 'agents=unlimited');
    expect(limits.stdout).toMatch(/documents\s+5\s+override/);
    expect(limits.stdout).toMatch(/agents\s+unlimited\s+override/);
    expect(limits.stdout).toMatch(/apiKeys\s+100\s+plan/);
    const unset = await ragspace('workspace', 'limits', 'globex/research', '--unset', 'agents', '--json');
    expect(JSON.parse(unset.stdout)).toMatchObject({ overrides: { documents: 5 }, limits: { documents: 5, agents: 20 } });
  }, cliTestTimeoutMs);

  it('leaves an audit trail of what the operator did', async () => {
    const audit = await ragspace('audit', '--org', 'globex');
    expect(audit.stdout).toMatch(/organization\.suspended\s+success\s+operator/);
    const trail = await ragspace('audit', '--org', 'globex', '--json');
    const actions = JSON.parse(trail.stdout).items.map((event: { action: string; principalKind: string }) => `${event.principalKind} ${event.action}`);
    expect(actions).toEqual([
      'operator organization.plan_changed',
      'operator organization.suspended',
      'operator organization.reactivated',
      'operator workspace.suspended',
      'operator workspace.reactivated',
      'operator workspace.limits_changed',
      'operator workspace.limits_changed',
    ]);
  }, cliTestTimeoutMs);

  it('rejects bad organization and workspace input', async () => {
    await expectRejected(['org', 'set-plan', 'globex', 'gold'], /Plan "gold" not found/);
    await expectRejected(['org', 'update', 'globex', '--contact-email', 'not-an-email'], /contactEmail/);
    await expectRejected(['workspace', 'limits', 'globex/research', '--unset', 'gpus'], /Unknown limit gpus/);
    await expectRejected(['audit', '--action', 'everything'], /action/);
  }, cliTestTimeoutMs);
});
