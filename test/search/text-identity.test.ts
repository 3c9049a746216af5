// BM25 moved to a covering postings key and a per-(workspace, lexeme) document-frequency table
// (sql/200). Its results and scores must stay exactly what the first BM25 (sql/010) gave: this
// suite runs 010's scoring, kept here verbatim as the reference, beside bm25_chunk_scores on the
// same data, after inserts, replacements and deletions, and checks the document frequencies
// against a recount of the postings.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { withWorkspace } from '../../src/db/workspace-scope.ts';
import { deleteDocument, ingestDocument, listDocuments } from '../../src/ingestion/documents.ts';
import { createLocalEmbedder } from '../../src/ingestion/embedders/local-embedder.ts';
import { runIngestion } from '../../src/ingestion/ingest-run.ts';
import { beirCorpusItems } from '../../src/ingestion/sources/beir.ts';
import { readBeirQueries } from '../../src/search/evaluation/beir-dataset.ts';
import type { WorkspaceContext } from '../../src/tenancy/workspace-context.ts';
import { cisiDirectory } from '../../bench/fixtures/cisi-workspaces.ts';
import { createTestDatabase, createTestTenant } from '../helpers/database.ts';

// bm25_chunk_scores as sql/010_search_index.sql defined it (no filters: the filter clause is unchanged).
const referenceBm25 = `
  WITH query_terms AS (
    SELECT term.lexeme, coalesce(array_length(term.positions, 1), 1)::double precision AS query_frequency
    FROM unnest(to_tsvector('english', $2)) AS term
  ),
  statistics AS MATERIALIZED (
    SELECT s.chunk_count::double precision AS chunk_count,
           1.2::double precision * 0.75::double precision * s.chunk_count / s.total_length AS length_weight
    FROM search_statistics s
    WHERE s.workspace_id = $1 AND s.total_length > 0
  ),
  matches AS (
    SELECT p.chunk_id, p.term_frequency::double precision AS term_frequency, p.chunk_length, q.query_frequency,
           count(*) OVER (PARTITION BY p.lexeme)::double precision AS document_frequency
    FROM search_postings p
    JOIN query_terms q ON q.lexeme = p.lexeme
    WHERE p.workspace_id = $1
  )
  SELECT m.chunk_id,
         sum(round(
           m.query_frequency
           * ln(1::double precision + (st.chunk_count - m.document_frequency + 0.5::double precision) / (m.document_frequency + 0.5::double precision))
           * m.term_frequency * 2.2::double precision
           / (m.term_frequency + 0.3::double precision + st.length_weight * m.chunk_length)
           * 1e9::double precision
         )) / 1e9::double precision AS score
  FROM matches m
  CROSS JOIN statistics st
  GROUP BY m.chunk_id
  ORDER BY score DESC, m.chunk_id
  LIMIT $3`;

interface Scored {
  chunk_id: string;
  score: number;
}

describe('BM25 results and scores are those of the first implementation', () => {
  const embedder = createLocalEmbedder();
  let database: Database;
  let workspace: WorkspaceContext;
  let neighbour: WorkspaceContext;
  let queries: string[];

  const compare = async (context: WorkspaceContext, limit: number) => {
    const { current, reference } = await withWorkspace(database, context, async (transaction) => {
      const current: Scored[][] = [];
      const reference: Scored[][] = [];
      for (const query of queries) {
        current.push((await transaction.query<Scored>('SELECT chunk_id, score FROM bm25_chunk_scores($1, $2, $3)', [context.workspaceId, query, limit])).rows);
        reference.push((await transaction.query<Scored>(referenceBm25, [context.workspaceId, query, limit])).rows);
      }
      return { current, reference };
    });
    expect(current.flat().length).toBeGreaterThan(queries.length * 5);
    expect(current).toEqual(reference);
  };

  const recount = (context: WorkspaceContext) =>
    withWorkspace(database, context, async (transaction) => {
      const { rows } = await transaction.query<{ mismatches: number }>(
        `SELECT count(*)::integer AS mismatches FROM (
           SELECT lexeme, count(*)::integer AS document_frequency FROM search_postings WHERE workspace_id = $1 GROUP BY lexeme
         ) p FULL JOIN (SELECT lexeme, document_frequency FROM search_term_statistics WHERE workspace_id = $1) t USING (lexeme)
         WHERE p.document_frequency IS DISTINCT FROM t.document_frequency`,
        [context.workspaceId],
      );
      return rows[0]!.mismatches;
    });

  beforeAll(async () => {
    database = await createTestDatabase();
    workspace = await createTestTenant(database);
    neighbour = await createTestTenant(database);
    const items = [];
    for await (const item of beirCorpusItems(cisiDirectory)) {
      items.push(item);
      if (items.length === 500) break;
    }
    expect(await runIngestion({ database, embedder }, workspace, items.slice(0, 400))).toMatchObject({ failed: 0 });
    expect(await runIngestion({ database, embedder }, neighbour, items.slice(100))).toMatchObject({ failed: 0 });
    queries = (await readBeirQueries(cisiDirectory)).map((query) => query.text);
  });
  afterAll(() => database?.close());

  it('gives the same chunks and the same scores, to the last bit, for every CISI query', async () => {
    await compare(workspace, 100);
    await compare(neighbour, 10);
  });

  it('keeps the document frequencies equal to a recount after replacements and deletions', async () => {
    expect(await recount(workspace)).toBe(0);
    const documents = (await listDocuments(database, workspace, { limit: 30 })).items;
    for (const document of documents.slice(0, 10)) await deleteDocument({ database }, workspace, document.id);
    for (const document of documents.slice(10, 20)) {
      await ingestDocument({ database, embedder }, workspace, {
        source: document.source,
        contentType: 'text/plain',
        content: `Replaced: information retrieval of ${document.title}`,
      });
    }
    expect(await recount(workspace)).toBe(0);
    expect(await recount(neighbour)).toBe(0);
    await compare(workspace, 50);
  });
});
