// The SQL side of text analysis cannot import src/search/text-analysis.ts, so it is pinned here:
// PostgreSQL's english configuration drops exactly the module's stop words (checked on every
// word of the sample corpora and CISI's queries), and the SQL BM25 scores equal bm25Score()
// computed with the module's k1 and b on the lexemes PostgreSQL produced.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { withWorkspace } from '../../src/db/workspace-scope.ts';
import { ingestDocument } from '../../src/ingestion/documents.ts';
import { createLocalEmbedder } from '../../src/ingestion/embedders/local-embedder.ts';
import { sampleDocumentsDirectory } from '../../src/ingestion/sample-corpora.ts';
import { listDirectoryItems } from '../../src/ingestion/sources/directory.ts';
import { readBeirQueries } from '../../src/search/evaluation/beir-dataset.ts';
import { bm25Score, englishStopWords } from '../../src/search/text-analysis.ts';
import { textSearch } from '../../src/search/text-search.ts';
import type { WorkspaceContext } from '../../src/tenancy/workspace-context.ts';
import { cisiDirectory } from '../../bench/fixtures/cisi-workspaces.ts';
import { createTestDatabase, createTestTenant } from '../helpers/database.ts';

describe('one text analysis for SQL and TypeScript', () => {
  let database: Database;
  let context: WorkspaceContext;
  const texts: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    context = await createTestTenant(database);
    for (const corpus of ['acme-support', 'globex-hr']) {
      for (const item of await listDirectoryItems(`${sampleDocumentsDirectory}/${corpus}`)) {
        texts.push(new TextDecoder().decode((await item.read()).content as Uint8Array));
      }
    }
    texts.push(...(await readBeirQueries(cisiDirectory)).map((query) => query.text));
  });
  afterAll(() => database?.close());

  it("drops exactly the module's stop words, as PostgreSQL's english configuration does", async () => {
    const words = [...new Set(texts.join(' ').toLowerCase().match(/[a-z]+/g) ?? []), ...englishStopWords];
    expect(words.length).toBeGreaterThan(1500);
    const { rows } = await database.query<{ word: string; dropped: boolean }>(
      "SELECT word, to_tsvector('english', word) = ''::tsvector AS dropped FROM unnest($1::text[]) AS word",
      [words],
    );
    const droppedByPostgres = rows.filter((row) => row.dropped).map((row) => row.word);
    expect(new Set(droppedByPostgres)).toEqual(new Set(englishStopWords));
  });

  it('scores BM25 in SQL as bm25Score() does with the module’s parameters', async () => {
    const embedder = createLocalEmbedder();
    const sources = texts.slice(0, 12);
    for (const [index, content] of sources.entries()) {
      await ingestDocument({ database, embedder }, context, { source: `doc-${index}.md`, content, metadata: {} }, { chunkSize: 128, chunkOverlap: 0 });
    }
    // Every chunk as PostgreSQL analysed it: each lexeme repeated as often as it occurs.
    const { chunks, statistics } = await withWorkspace(database, context, async (transaction) => ({
      chunks: (
        await transaction.query<{ id: string; terms: string[] }>(
          `SELECT c.id, ARRAY(SELECT t.lexeme FROM unnest(c.search_vector) t, generate_series(1, coalesce(array_length(t.positions, 1), 1)) ORDER BY 1) AS terms
           FROM chunks c WHERE c.workspace_id = $1`,
          [context.workspaceId],
        )
      ).rows,
      statistics: (await transaction.query<{ chunk_count: string; total_length: string }>('SELECT chunk_count, total_length FROM search_statistics WHERE workspace_id = $1', [context.workspaceId])).rows[0]!,
    }));
    const documentFrequency = new Map<string, number>();
    for (const chunk of chunks) for (const term of new Set(chunk.terms)) documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
    const collection = { documentCount: Number(statistics.chunk_count), averageLength: Number(statistics.total_length) / Number(statistics.chunk_count), documentFrequency };
    expect(collection.documentCount).toBe(chunks.length);

    for (const query of ['How do I reset my password?', 'annual leave days and parental leave', 'sync conflicts on two devices']) {
      const queryTerms = (
        await database.query<{ terms: string[] }>(
          "SELECT ARRAY(SELECT t.lexeme FROM unnest(to_tsvector('english', $1)) t, generate_series(1, coalesce(array_length(t.positions, 1), 1))) AS terms",
          [query],
        )
      ).rows[0]!.terms;
      const expected = chunks
        .map((chunk) => ({ id: chunk.id, score: bm25Score(queryTerms, chunk.terms, collection) }))
        .filter((entry) => entry.score > 0)
        .sort((a, b) => b.score - a.score || a.id.localeCompare(b.id))
        .slice(0, 10);
      const hits = await textSearch({ database }, context, { query, limit: 10 });
      expect(hits.length).toBeGreaterThan(0);
      expect(hits.map((hit) => hit.chunkId)).toEqual(expected.map((entry) => entry.id));
      hits.forEach((hit, index) => expect(hit.score).toBeCloseTo(expected[index]!.score, 8));
    }
  });
});
