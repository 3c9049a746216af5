// A query of stop words only has no meaning to BM25 nor a direction in vector space: every mode
// answers with no hits (never NaN scores, which the API would turn into a 500).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { ingestDocument } from '../../src/ingestion/documents.ts';
import { createLocalEmbedder } from '../../src/ingestion/embedders/local-embedder.ts';
import { search, searchModes } from '../../src/search/search.ts';
import type { WorkspaceContext } from '../../src/tenancy/workspace-context.ts';
import { createTestDatabase, createTestTenant } from '../helpers/database.ts';

describe('a query made only of stop words', () => {
  const embedder = createLocalEmbedder();
  let database: Database;
  let context: WorkspaceContext;
  beforeAll(async () => {
    database = await createTestDatabase();
    context = await createTestTenant(database);
    await ingestDocument({ database, embedder }, context, { source: 'refunds.md', content: '# Refunds\n\nThe refund window is thirty days.' });
  });
  afterAll(() => database.close());

  it.each(searchModes)('finds nothing in %s mode', async (mode) => {
    expect(await search({ database, embedder }, context, mode, { query: 'the of and' })).toEqual([]);
  });

  it('still searches by text when only the vector leg has nothing to say', async () => {
    const hits = await search({ database, embedder }, context, 'hybrid', { query: 'the refund' });
    expect(hits.map((hit) => hit.source)).toEqual(['refunds.md']);
    expect(Number.isFinite(hits[0]!.score)).toBe(true);
  });
});
