// `ragspace chat` as a user runs it: one question with --message, or a conversation typed at its prompt.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSessions, getSessionMessages } from '../../src/agent/sessions.ts';
import type { Database } from '../../src/db/database.ts';
import { ensureDeploymentEmbedder } from '../../src/ingestion/embedders/deployment-embedder.ts';
import type { WorkspaceContext } from '../../src/tenancy/workspace-context.ts';
import { runCli, type CliResult } from '../helpers/cli.ts';
import { createCliEnvironment, type CliEnvironment } from '../helpers/cli-environment.ts';
import { createTestTenant } from '../helpers/database.ts';
import { acmeDocuments, embedder, ingestAll } from './fixtures.ts';

describe('ragspace chat', () => {
  let cli: CliEnvironment;
  let owner: Database;
  let acme: WorkspaceContext;
  let ragspace: (args: string[], input?: string) => Promise<CliResult>;

  beforeAll(async () => {
    cli = await createCliEnvironment();
    owner = cli.database;
    await ensureDeploymentEmbedder(owner, embedder);
    acme = await createTestTenant(owner, { workspaceSlug: 'acme-support' });
    await ingestAll(owner, acme, acmeDocuments);
    ragspace = (args, input) => runCli(args, cli.environment, input);
  });
  afterAll(() => cli.close());

  it('answers one question with --message, as JSON', async () => {
    const result = await ragspace(['chat', '--workspace', 'acme-support', '--message', 'How long do refunds of Rocket Skates take?', '--json']);
    expect(result.exitCode).toBe(0);
    const turn = JSON.parse(result.stdout);
    expect(turn).toMatchObject({ model: 'extractive', citations: [expect.objectContaining({ source: 'refunds.md' })] });
    expect(turn.answer).toContain('within 30 days of delivery');
  });

  it('holds a conversation typed at its prompt in one session, streaming answers with their sources', async () => {
    const before = (await listSessions(owner, acme, { limit: 100 })).items.length;
    const result = await ragspace(['chat', '--workspace', 'acme-support'], 'How long do refunds of Rocket Skates take?\nWhen does the support desk answer calls?\n');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('Acme refunds any Rocket Skates order within 30 days of delivery. [1]');
    expect(result.stdout).toContain('[1] Refund policy (refunds.md)');
    expect(result.stdout).toContain('8am to 6pm');
    expect(result.stderr).toContain('· hybrid_search:');
    const sessions = (await listSessions(owner, acme, { limit: 100 })).items;
    expect(sessions).toHaveLength(before + 1);
    const messages = await getSessionMessages(owner, acme, sessions.at(-1)!.id);
    expect(messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
  });

  it('refuses an empty or blank --message before anything is stored', async () => {
    const before = (await listSessions(owner, acme, { limit: 100 })).items.length;
    for (const message of ['', '   ']) {
      const result = await ragspace(['chat', '--workspace', 'acme-support', '--message', message]);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toContain("option '--message <text>' argument '");
      expect(result.stderr).toContain('is invalid. the message is empty');
    }
    const tooLong = await ragspace(['chat', '--workspace', 'acme-support', '--message', 'x'.repeat(20_001)]);
    expect(tooLong.exitCode).toBe(1);
    expect(tooLong.stderr).toMatch(/Too big: expected string to have <=20000 characters/);
    expect((await listSessions(owner, acme, { limit: 100 })).items).toHaveLength(before);
  });

  it('says which workspace it could not find', async () => {
    const result = await ragspace(['chat', '--workspace', 'nope', '--message', 'hi']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('Workspace "nope" not found');
  });
});
