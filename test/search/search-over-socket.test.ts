// Search through the pg driver over pglite-socket, as `ragspace serve` and the CLI share the
// embedded database: types survive the wire (numbers, arrays), and concurrent searches of two
// workspaces on pooled connections each see only their own workspace.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrations.ts';
import { ensureDeploymentEmbedder } from '../../src/ingestion/embedders/deployment-embedder.ts';
import { createLocalEmbedder } from '../../src/ingestion/embedders/local-embedder.ts';
import { ingestSampleCorpora } from '../../src/ingestion/sample-corpora.ts';
import { search, searchModes } from '../../src/search/search.ts';
import { createWorkspaceContext, type WorkspaceContext } from '../../src/tenancy/workspace-context.ts';
import { getWorkspace } from '../../src/tenancy/workspaces.ts';
import { createTestTenant } from '../helpers/database.ts';
import { createSocketDatabase, type SocketDatabase } from '../helpers/socket-database.ts';

describe('search over the Postgres wire protocol (pg + pglite-socket)', () => {
  let served: SocketDatabase;
  let database: Database;
  const embedder = createLocalEmbedder();
  const workspaces: Record<'support' | 'hr', WorkspaceContext & { sources: Set<string> }> = {} as never;

  beforeAll(async () => {
    served = await createSocketDatabase(4);
    database = served.database;
    await migrate(database);
    await ensureDeploymentEmbedder(database, embedder);
    const owner = await createTestTenant(database);
    const samples = await ingestSampleCorpora(
      { database, embedder },
      { organizationId: owner.organizationId, defaultWorkspace: { id: owner.workspaceId, graphGroup: owner.graphGroup, slug: 'default' } },
    );
    for (const [key, corpus] of [['support', 'acme-support'], ['hr', 'globex-hr']] as const) {
      const sample = samples.find((entry) => entry.corpus === corpus && entry.slug === corpus)!;
      const workspace = await getWorkspace(database, sample.workspaceId);
      workspaces[key] = {
        ...createWorkspaceContext({ organizationId: workspace.organizationId, workspaceId: workspace.id }),
        sources: new Set(sample.summary.results.map((result) => result.source)),
      };
    }
  });
  afterAll(() => served.close());

  it('returns typed hits in every mode', async () => {
    for (const mode of searchModes) {
      const [hit] = await search({ database, embedder }, workspaces.support, mode, { query: 'How do I reset my password?', limit: 3 });
      expect(hit, mode).toMatchObject({ source: 'account-and-passwords.md', headingPath: ['Account, passwords and sign-in', 'Reset your password'], position: 0 });
      expect(typeof hit!.score, mode).toBe('number');
      for (const value of Object.values(hit!.scores)) expect(typeof value, mode).toBe('number');
    }
  });

  it('keeps concurrent searches of two workspaces apart on pooled connections', async () => {
    const queries = ['reset password', 'refund', 'leave', 'expenses travel', 'sync conflicts', 'two-factor', 'phishing', 'invoices'];
    const runs = Array.from({ length: 48 }, (_, index) => {
      const key = index % 2 === 0 ? ('support' as const) : ('hr' as const);
      const mode = searchModes[index % searchModes.length]!;
      return search({ database, embedder }, workspaces[key], mode, { query: queries[index % queries.length]!, limit: 20 }).then((hits) => ({ key, hits }));
    });
    const results = await Promise.all(runs);
    for (const { key, hits } of results) {
      for (const hit of hits) expect(workspaces[key].sources.has(hit.source), `${hit.source} in ${key}`).toBe(true);
    }
    expect(results.some(({ hits }) => hits.length > 0)).toBe(true);
  });
});
