// Search over the sample corpora in a real database: BM25 with per-workspace statistics, exact
// vector search, score fusion, filters, the SQL functions users may call directly, and isolation:
// flooding another workspace changes nothing in this one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { withWorkspace } from '../../src/db/workspace-scope.ts';
import { embeddingText, getDocumentChunks, ingestDocument, listDocuments, type IngestionDependencies } from '../../src/ingestion/documents.ts';
import { ensureDeploymentEmbedder } from '../../src/ingestion/embedders/deployment-embedder.ts';
import { toVectorLiteral, type Embedder } from '../../src/ingestion/embedders/embedder.ts';
import { createLocalEmbedder } from '../../src/ingestion/embedders/local-embedder.ts';
import { runIngestion } from '../../src/ingestion/ingest-run.ts';
import { ingestSampleCorpora, listSampleCorpora, sampleDocumentsDirectory } from '../../src/ingestion/sample-corpora.ts';
import { listDirectoryItems } from '../../src/ingestion/sources/directory.ts';
import { hybridSearch } from '../../src/search/hybrid-search.ts';
import type { SearchHit } from '../../src/search/search-request.ts';
import { search, searchModes } from '../../src/search/search.ts';
import { textSearch } from '../../src/search/text-search.ts';
import { vectorSearch } from '../../src/search/vector-search.ts';
import { createWorkspaceContext, type WorkspaceContext } from '../../src/tenancy/workspace-context.ts';
import { getWorkspace } from '../../src/tenancy/workspaces.ts';
import { createTestDatabase, createTestTenant } from '../helpers/database.ts';
import { seededRandom } from '../helpers/seeded-random.ts';

async function contextOf(database: Database, reference: string): Promise<WorkspaceContext> {
  const workspace = await getWorkspace(database, reference);
  return createWorkspaceContext({ organizationId: workspace.organizationId, workspaceId: workspace.id });
}

describe('search', () => {
  let database: Database;
  let embedder: Embedder;
  let dependencies: IngestionDependencies;
  let support: WorkspaceContext;
  let hr: WorkspaceContext;
  let defaultWorkspace: WorkspaceContext;

  beforeAll(async () => {
    database = await createTestDatabase();
    embedder = createLocalEmbedder();
    await ensureDeploymentEmbedder(database, embedder);
    dependencies = { database, embedder };
    defaultWorkspace = await createTestTenant(database);
    const samples = await ingestSampleCorpora(dependencies, {
      organizationId: defaultWorkspace.organizationId,
      defaultWorkspace: { id: defaultWorkspace.workspaceId, graphGroup: defaultWorkspace.graphGroup, slug: 'default' },
    });
    expect(samples.every((sample) => sample.summary.failed === 0)).toBe(true);
    support = await contextOf(database, samples.find((sample) => sample.corpus === 'acme-support' && sample.slug === 'acme-support')!.workspaceId);
    hr = await contextOf(database, samples.find((sample) => sample.corpus === 'globex-hr')!.workspaceId);
  });
  afterAll(() => database.close());

  it('ingests each sample corpus into its own workspace, and one into the default workspace', async () => {
    expect(await listSampleCorpora(sampleDocumentsDirectory)).toEqual(['acme-support', 'globex-hr']);
    const sources = async (context: WorkspaceContext) => (await listDocuments(database, context, { limit: 100 })).items.map((item) => item.source).sort();
    expect(await sources(support)).toEqual([
      'account-and-passwords.md',
      'billing-and-plans.md',
      'getting-started.md',
      'release-notes.txt',
      'sharing-and-permissions.md',
      'sync-troubleshooting.html',
    ]);
    expect(await sources(defaultWorkspace)).toEqual(await sources(support));
    expect(await sources(hr)).toContain('it-accounts-and-passwords.md');
  });

  it('finds the passage that answers a question, in the asking workspace only, in every mode', async () => {
    for (const mode of searchModes) {
      const [supportHit] = await search(dependencies, support, mode, { query: 'How do I reset my password?', limit: 3 });
      expect(supportHit, mode).toMatchObject({ source: 'account-and-passwords.md', headingPath: ['Account, passwords and sign-in', 'Reset your password'], position: 0 });
      expect(supportHit!.content).toMatch(/Forgot password/);
      const [hrHit] = await search(dependencies, hr, mode, { query: 'How do I reset my password?', limit: 3 });
      expect(hrHit, mode).toMatchObject({ source: 'it-accounts-and-passwords.md', headingPath: ['IT accounts and passwords', 'Reset your password'] });
    }
    const [leave] = await textSearch(dependencies, hr, { query: 'How many days of annual leave do I get?' });
    expect(leave!.source).toBe('leave-policy.md');
    expect(await textSearch(dependencies, support, { query: 'parental pension' })).toEqual([]);
  });

  it('returns each leg’s score: BM25, cosine similarity, and the fused score', async () => {
    const query = { query: 'refund for a yearly plan', limit: 5 };
    const [text] = await textSearch(dependencies, support, query);
    expect(text!.scores).toEqual({ text: text!.score });
    const [vector] = await vectorSearch(dependencies, support, query);
    expect(vector!.scores).toEqual({ vector: vector!.score });
    expect(vector!.score).toBeGreaterThan(0);
    expect(vector!.score).toBeLessThanOrEqual(1);
    const hybrid = await hybridSearch(dependencies, support, query);
    expect(hybrid).toHaveLength(5);
    expect(hybrid[0]!.scores).toEqual({ hybrid: hybrid[0]!.score, text: expect.any(Number), vector: expect.any(Number) });
    // Each leg's score over the leg's best, weighted: the best of both legs scores 1 + 0.25 with the defaults.
    expect(hybrid[0]!.score).toBeLessThanOrEqual(1 + 0.25 + 1e-12);
    const bestText = Math.max(...(await textSearch(dependencies, support, { ...query, limit: 100 })).map((hit) => hit.score));
    const bestVector = Math.max(...(await vectorSearch(dependencies, support, { ...query, limit: 100 })).map((hit) => hit.score));
    for (const hit of hybrid) expect(hit.score).toBeCloseTo((hit.scores.text ?? 0) / bestText + (0.25 * (hit.scores.vector ?? 0)) / bestVector, 12);
    const scores = hybrid.map((hit) => hit.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    // Weights decide: with the vector leg off, hybrid ranks as BM25 does.
    const textOnly = await hybridSearch(dependencies, support, query, { vectorWeight: 0 });
    expect(textOnly.map((hit) => hit.chunkId)).toEqual((await textSearch(dependencies, support, query)).map((hit) => hit.chunkId));
    expect(textOnly[0]!.scores.vector).toBeUndefined();
  });

  it('scores BM25 with the workspace’s own statistics and query-term frequency', async () => {
    const workspace = await createTestTenant(database);
    const documents = { 'd1.txt': 'apple banana apple', 'd2.txt': 'banana cherry', 'd3.txt': 'cherry cherry cherry date' };
    for (const [source, content] of Object.entries(documents)) await ingestDocument(dependencies, workspace, { source, content });
    // N = 3 chunks, lengths 3, 2, 4 (avgdl 3); query terms: appl ×1, cherri ×2.
    const idf = (documentFrequency: number) => Math.log(1 + (3 - documentFrequency + 0.5) / (documentFrequency + 0.5));
    const termScore = (tf: number, length: number) => (tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * length) / 3));
    const expected = {
      'd1.txt': idf(1) * termScore(2, 3),
      'd2.txt': 2 * idf(2) * termScore(1, 2),
      'd3.txt': 2 * idf(2) * termScore(3, 4),
    };
    const hits = await textSearch(dependencies, workspace, { query: 'apple cherry cherry' });
    expect(hits.map((hit) => hit.source)).toEqual(['d3.txt', 'd1.txt', 'd2.txt']);
    for (const hit of hits) expect(hit.score).toBeCloseTo(expected[hit.source as keyof typeof expected], 8);
  });

  it('searches vectors exactly: the same top hits as a brute-force scan', async () => {
    const query = 'conflicted copies when two devices edit a file';
    const queryVector = await embedder.embedQuery(query);
    const brute: Array<{ id: string; similarity: number }> = [];
    for (const document of (await listDocuments(database, support, { limit: 100 })).items) {
      const chunks = await getDocumentChunks(database, support, document.id);
      const vectors = await embedder.embedDocuments(chunks.map((chunk) => embeddingText(document.title, chunk)));
      chunks.forEach((chunk, index) => brute.push({ id: chunk.id, similarity: vectors[index]!.reduce((sum, value, dimension) => sum + value * queryVector[dimension]!, 0) }));
    }
    brute.sort((a, b) => b.similarity - a.similarity);
    const hits = await vectorSearch(dependencies, support, { query, limit: 8 });
    expect(hits.map((hit) => hit.chunkId)).toEqual(brute.slice(0, 8).map((entry) => entry.id));
    hits.forEach((hit, index) => expect(hit.score).toBeCloseTo(brute[index]!.similarity, 5));
  });

  it('filters by document ids and by document metadata', async () => {
    const billing = (await listDocuments(database, support, { limit: 100 })).items.find((item) => item.source === 'billing-and-plans.md')!;
    for (const mode of searchModes) {
      const hits = await search(dependencies, support, mode, { query: 'password invoices sync', limit: 20, filters: { documentIds: [billing.id] } });
      expect(hits.length, mode).toBeGreaterThan(0);
      expect(new Set(hits.map((hit) => hit.documentId)), mode).toEqual(new Set([billing.id]));
    }
    const workspace = await createTestTenant(database);
    await ingestDocument(dependencies, workspace, { source: 'a.txt', content: 'Expense claims for travel.', metadata: { team: 'finance', year: 2024, public: true } });
    await ingestDocument(dependencies, workspace, { source: 'b.txt', content: 'Expense claims for equipment.', metadata: { team: 'it', year: 2024, public: false } });
    for (const mode of searchModes) {
      const byTeam = await search(dependencies, workspace, mode, { query: 'expense claims', filters: { metadata: { team: 'it' } } });
      expect(byTeam.map((hit) => hit.source), mode).toEqual(['b.txt']);
      const byYearAndFlag = await search(dependencies, workspace, mode, { query: 'expense claims', filters: { metadata: { year: 2024, public: true } } });
      expect(byYearAndFlag.map((hit) => hit.source), mode).toEqual(['a.txt']);
      expect(await search(dependencies, workspace, mode, { query: 'expense claims', filters: { metadata: { year: '2024' } } }), mode).toEqual([]);
    }
  });

  it('returns the same results from the SQL functions as from the services', async () => {
    const queries = ['reset password', 'cancel my subscription', 'share a folder with a password-protected link'];
    for (const query of queries) {
      const embedding = toVectorLiteral(await embedder.embedQuery(query));
      const [text, vector, hybrid] = await withWorkspace(database, support, async (transaction) => [
        (await transaction.query<{ chunk_id: string; score: number }>('SELECT chunk_id, score FROM bm25_search($1, $2, 10)', [support.workspaceId, query])).rows,
        (await transaction.query<{ chunk_id: string; similarity: number }>('SELECT chunk_id, similarity FROM match_chunks($1, $2::vector, 10)', [support.workspaceId, embedding])).rows,
        (await transaction.query<{ chunk_id: string; score: number }>('SELECT chunk_id, score FROM hybrid_search($1, $2, $3::vector, 10)', [support.workspaceId, query, embedding])).rows,
      ]);
      const pairs = (hits: SearchHit[]) => hits.map((hit) => [hit.chunkId, hit.score]);
      expect(pairs(await textSearch(dependencies, support, { query }))).toEqual(text.map((row) => [row.chunk_id, row.score]));
      expect(pairs(await vectorSearch(dependencies, support, { query }))).toEqual(vector.map((row) => [row.chunk_id, row.similarity]));
      expect(pairs(await hybridSearch(dependencies, support, { query }))).toEqual(hybrid.map((row) => [row.chunk_id, row.score]));
    }
    const document = (await listDocuments(database, support, { limit: 1 })).items[0]!;
    const viaFunction = await withWorkspace(database, support, async (transaction) =>
      (await transaction.query<{ chunk_id: string }>('SELECT chunk_id FROM get_document_chunks($1, $2)', [support.workspaceId, document.id])).rows,
    );
    expect(viaFunction.map((row) => row.chunk_id)).toEqual((await getDocumentChunks(database, support, document.id)).map((chunk) => chunk.id));
  });

  it('keeps row-level security as a second wall: another workspace’s id yields nothing', async () => {
    const embedding = toVectorLiteral(await embedder.embedQuery('reset password'));
    const crossed = await withWorkspace(database, support, async (transaction) => ({
      text: (await transaction.query('SELECT * FROM bm25_search($1, $2, 10)', [hr.workspaceId, 'reset password'])).rows,
      vector: (await transaction.query('SELECT * FROM match_chunks($1, $2::vector, 10)', [hr.workspaceId, embedding])).rows,
      hybrid: (await transaction.query('SELECT * FROM hybrid_search($1, $2, $3::vector, 10)', [hr.workspaceId, 'reset password', embedding])).rows,
    }));
    expect(crossed).toEqual({ text: [], vector: [], hybrid: [] });
  });

  it('handles queries of stop words, and refuses malformed requests', async () => {
    expect(await textSearch(dependencies, support, { query: 'the of and' })).toEqual([]);
    // No BM25 terms and no direction in vector space: nothing matches (not NaN-ranked hits).
    expect(await hybridSearch(dependencies, support, { query: 'the of and', limit: 3 })).toEqual([]);
    await expect(textSearch(dependencies, support, { query: '   ' })).rejects.toMatchObject({ code: 'validation_error' });
    await expect(vectorSearch(dependencies, support, { query: 'x', limit: 0 })).rejects.toMatchObject({ code: 'validation_error' });
    await expect(hybridSearch(dependencies, support, { query: 'x', filters: { documentIds: ['nope'] } })).rejects.toMatchObject({ code: 'validation_error' });
    await expect(hybridSearch(dependencies, support, { query: 'x' }, { vectorWeight: -1 })).rejects.toMatchObject({ code: 'validation_error' });
  });

  it('gives identical results and scores in a workspace after another one is flooded with its vocabulary', async () => {
    const queries = ['How do I reset my password?', 'refund yearly plan', 'conflicted copy sync offline', 'share link expire', 'two-factor recovery codes'];
    const snapshot = async () => {
      const results: Record<string, SearchHit[]> = {};
      for (const mode of searchModes) for (const query of queries) results[`${mode}: ${query}`] = await search(dependencies, support, mode, { query, limit: 10 });
      return results;
    };
    const before = await snapshot();

    // 400 documents recombined from the support corpus's own sentences, in another workspace.
    const flooded = await createTestTenant(database);
    const sentences: string[] = [];
    for (const item of await listDirectoryItems(`${sampleDocumentsDirectory}/acme-support`)) {
      const text = new TextDecoder().decode((await item.read()).content as Uint8Array);
      sentences.push(...text.split(/(?<=[.!?])\s+/).filter((sentence) => /[a-z]{4}/.test(sentence)));
    }
    const random = seededRandom(42);
    const items = Array.from({ length: 400 }, (_, index) => {
      const content = Array.from({ length: 6 }, () => sentences[Math.floor(random() * sentences.length)]).join(' ');
      return { source: `flood-${index}.txt`, read: async () => ({ source: `flood-${index}.txt`, content }) };
    });
    const summary = await runIngestion(dependencies, flooded, items);
    expect(summary).toMatchObject({ created: 400, failed: 0 });
    expect((await textSearch(dependencies, flooded, { query: 'reset password', limit: 50 })).length).toBeGreaterThan(10);

    expect(await snapshot()).toEqual(before);
  });
});
