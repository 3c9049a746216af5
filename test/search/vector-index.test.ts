// Invariant 3 with approximate search: small workspaces stay exact and cost no catalog object; a
// workspace past the threshold gets an HNSW index of its own (a partial index on its rows), used
// by its searches as the application role under RLS, with recall ≥ 0.95 against exact search,
// unmoved by another workspace's writes, built online on PostgreSQL, dropped with the workspace.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { withWorkspace } from '../../src/db/workspace-scope.ts';
import { ingestDocument } from '../../src/ingestion/documents.ts';
import { ensureDeploymentEmbedder } from '../../src/ingestion/embedders/deployment-embedder.ts';
import { toVectorLiteral } from '../../src/ingestion/embedders/embedder.ts';
import { createLocalEmbedder } from '../../src/ingestion/embedders/local-embedder.ts';
import { runIngestion } from '../../src/ingestion/ingest-run.ts';
import type { IngestItem } from '../../src/ingestion/sources/ingest-item.ts';
import type { SearchHit } from '../../src/search/search-request.ts';
import { search, searchModes } from '../../src/search/search.ts';
import {
  configureVectorIndexing,
  dropOrphanedVectorIndexes,
  ensureVectorIndex,
  scheduleVectorIndexCheck,
  vectorIndexName,
  vectorIndexState,
} from '../../src/search/vector-index.ts';
import { vectorSearch } from '../../src/search/vector-search.ts';
import type { WorkspaceContext } from '../../src/tenancy/workspace-context.ts';
import { deleteWorkspace } from '../../src/tenancy/workspaces.ts';
import { readCisiText, type CisiText } from '../../bench/fixtures/cisi-workspaces.ts';
import { createTestDatabase, createTestTenant } from '../helpers/database.ts';
import { exactVectorNeighbours, recallAt } from '../helpers/exact-vector-search.ts';
import { seededRandom } from '../helpers/seeded-random.ts';
import { onPostgres } from '../helpers/test-tier.ts';

const threshold = 200;

/** Documents of three random CISI abstracts each, one chunk of ≤ 128 tokens per abstract or so. */
function cisiItems(cisi: CisiText, count: number, seed: number, prefix: string): IngestItem[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, index) => {
    const content = Array.from({ length: 3 }, () => cisi.abstracts[Math.floor(random() * cisi.abstracts.length)]).join('\n\n');
    return { source: `${prefix}-${index}.txt`, read: async () => ({ source: `${prefix}-${index}.txt`, content }) };
  });
}

async function chunkIndexes(database: Database): Promise<string[]> {
  const { rows } = await database.query<{ name: string }>("SELECT indexrelid::regclass::text AS name FROM pg_index WHERE indrelid = 'chunks'::regclass ORDER BY 1");
  return rows.map((row) => row.name);
}

describe('a vector index of its own for a large workspace', () => {
  const embedder = createLocalEmbedder();
  let database: Database;
  let cisi: CisiText;
  let large: WorkspaceContext;
  let small: WorkspaceContext;
  const dependencies = () => ({ database, embedder });
  const chunking = { chunkSize: 128, chunkOverlap: 0 };

  beforeAll(async () => {
    database = await createTestDatabase();
    await ensureDeploymentEmbedder(database, embedder);
    configureVectorIndexing(database, { threshold });
    cisi = await readCisiText();
    large = await createTestTenant(database);
    small = await createTestTenant(database);
    expect(await runIngestion(dependencies(), large, cisiItems(cisi, 90, 1, 'large'), chunking)).toMatchObject({ failed: 0 });
    expect(await runIngestion(dependencies(), small, cisiItems(cisi, 10, 2, 'small'), chunking)).toMatchObject({ failed: 0 });
  }, 600_000);
  afterAll(() => database?.close());

  it('keeps small workspaces exact, without any catalog object, however many there are', { timeout: 300_000 }, async () => {
    const before = await chunkIndexes(database);
    for (let index = 0; index < 20; index += 1) {
      const tenant = await createTestTenant(database);
      await ingestDocument(dependencies(), tenant, { source: 'note.md', content: `# Note ${index}\n\nInformation retrieval for libraries, note ${index}.` });
      await vectorSearch(dependencies(), tenant, { query: 'information retrieval' });
      expect(await ensureVectorIndex(database, tenant.workspaceId, { threshold })).toBe('below-threshold');
    }
    expect(await ensureVectorIndex(database, small.workspaceId, { threshold })).toBe('below-threshold');
    expect(await vectorIndexState(database, small.workspaceId)).toBe('none');
    expect(await chunkIndexes(database)).toEqual(before);
  });

  it('builds a partial HNSW index on the workspace’s rows only, and its searches use it under RLS', { timeout: 300_000 }, async () => {
    expect(await ensureVectorIndex(database, large.workspaceId, { threshold })).toBe('built');
    expect(await vectorIndexState(database, large.workspaceId)).toBe('ready');
    expect(await ensureVectorIndex(database, large.workspaceId, { threshold })).toBe('ready');
    const name = vectorIndexName(large.workspaceId);
    const { rows } = await database.query<{ definition: string }>('SELECT pg_get_indexdef(to_regclass($1)) AS definition', [name]);
    expect(rows[0]!.definition).toMatch(new RegExp(`USING hnsw \\(embedding vector_cosine_ops\\) WHERE \\(workspace_id = '${large.workspaceId}'::uuid\\)`));

    const embedding = toVectorLiteral(await embedder.embedQuery('automatic indexing of documents'));
    // Index scans of the large workspace's index during one search (the counter is the session's, not yet flushed).
    const scansOf = (context: WorkspaceContext, settings: Record<string, string> = {}) =>
      withWorkspace(
        database,
        context,
        async (transaction) => {
          const scans = async () =>
            Number((await transaction.query<{ scans: string }>('SELECT pg_stat_get_xact_numscans(to_regclass($1)) AS scans', [name])).rows[0]!.scans);
          const before = await scans();
          const { rows: hits } = await transaction.query('SELECT * FROM match_chunks($1, $2::vector, 10)', [context.workspaceId, embedding]);
          return { hits: hits.length, scans: (await scans()) - before };
        },
        settings,
      );
    // As ragspace_app, with the RLS policy applied: the large workspace's search scans its index.
    expect(await scansOf(large)).toEqual({ hits: 10, scans: 1 });
    // Generic plans ignore partial indexes; the search statement is planned with the workspace as a literal, so it never gets one.
    expect(await scansOf(large, { plan_cache_mode: 'force_generic_plan' })).toEqual({ hits: 10, scans: 1 });
    // Another workspace's search never touches it.
    expect((await scansOf(small)).scans).toBe(0);
    // The statement vector_chunk_scores runs, as ragspace_app under RLS, with its settings.
    const plan = await withWorkspace(database, large, async (transaction) => {
      await transaction.query("SELECT set_config('enable_sort', 'off', true)");
      const { rows: lines } = await transaction.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN SELECT c.id FROM chunks c WHERE c.workspace_id = '${large.workspaceId}'::uuid AND c.embedding IS NOT NULL ORDER BY c.embedding <=> $1::vector LIMIT 10`,
        [embedding],
      );
      return lines.map((line) => line['QUERY PLAN']).join('\n');
    });
    expect(plan).toContain(`Index Scan using ${name}`);
  });

  it('finds ≥ 95 % of the exact top 10 and top 100 over more than 100 queries', { timeout: 300_000 }, async () => {
    const queries = cisi.queries(110);
    let at10 = 0;
    let at100 = 0;
    for (const query of queries) {
      const literal = toVectorLiteral(await embedder.embedQuery(query));
      const asNeighbours = (hits: SearchHit[]) => hits.map((hit) => ({ chunkId: hit.chunkId, similarity: hit.score }));
      at10 += recallAt(10, asNeighbours(await vectorSearch(dependencies(), large, { query, limit: 10 })), await exactVectorNeighbours(database, large, literal, 10));
      at100 += recallAt(100, asNeighbours(await vectorSearch(dependencies(), large, { query, limit: 100 })), await exactVectorNeighbours(database, large, literal, 100));
    }
    expect(at10 / queries.length).toBeGreaterThanOrEqual(0.95);
    expect(at100 / queries.length).toBeGreaterThanOrEqual(0.95);
  });

  it('gives identical results and scores in the indexed workspace while another grows past the threshold and gets its own', { timeout: 300_000 }, async () => {
    const queries = ['automatic indexing', 'citation analysis of scientific journals', 'library catalog use by students', 'information needs of engineers'];
    const snapshot = async () => {
      const results: Record<string, SearchHit[]> = {};
      for (const mode of searchModes) for (const query of queries) results[`${mode}: ${query}`] = await search(dependencies(), large, mode, { query, limit: 10 });
      return results;
    };
    const before = await snapshot();
    const flooded = await createTestTenant(database);
    expect(await runIngestion(dependencies(), flooded, cisiItems(cisi, 80, 1, 'flood'), chunking)).toMatchObject({ failed: 0 });
    expect(await ensureVectorIndex(database, flooded.workspaceId, { threshold })).toBe('built');
    expect(await runIngestion(dependencies(), flooded, cisiItems(cisi, 20, 3, 'more'), chunking)).toMatchObject({ failed: 0 });
    expect(await snapshot()).toEqual(before);
  });

  it('drops the index with its workspace, and the indexes of workspaces that are gone', { timeout: 300_000 }, async () => {
    const doomed = await createTestTenant(database);
    expect(await runIngestion(dependencies(), doomed, cisiItems(cisi, 70, 4, 'doomed'), chunking)).toMatchObject({ failed: 0 });
    expect(await ensureVectorIndex(database, doomed.workspaceId, { threshold })).toBe('built');
    await deleteWorkspace(database, doomed.workspaceId);
    expect(await vectorIndexState(database, doomed.workspaceId)).toBe('none');

    // An index whose workspace vanished without its drop (a process that died in between).
    const orphan = await createTestTenant(database);
    expect(await runIngestion(dependencies(), orphan, cisiItems(cisi, 70, 5, 'orphan'), chunking)).toMatchObject({ failed: 0 });
    expect(await ensureVectorIndex(database, orphan.workspaceId, { threshold })).toBe('built');
    await database.transaction(async (transaction) => {
      await transaction.query("SELECT set_config('role', 'ragspace_admin', true)");
      await transaction.query('DELETE FROM workspaces WHERE id = $1', [orphan.workspaceId]);
    });
    expect(await vectorIndexState(database, orphan.workspaceId)).toBe('ready');
    expect(await dropOrphanedVectorIndexes(database)).toBe(1);
    expect(await vectorIndexState(database, orphan.workspaceId)).toBe('none');
    expect(await vectorIndexState(database, large.workspaceId)).toBe('ready');
  });

  it('is checked in the background after a search, at most once a minute per workspace', { timeout: 300_000 }, async () => {
    const grown = await createTestTenant(database);
    expect(await runIngestion(dependencies(), grown, cisiItems(cisi, 70, 6, 'grown'), chunking)).toMatchObject({ failed: 0 });
    const first = scheduleVectorIndexCheck(database, grown.workspaceId);
    expect(first).toBeDefined();
    expect(scheduleVectorIndexCheck(database, grown.workspaceId)).toBeUndefined();
    expect(await first).toBe('built');
    expect(await vectorIndexState(database, grown.workspaceId)).toBe('ready');
  });

  describe.runIf(onPostgres)('on a real PostgreSQL', () => {
    it('builds online: the workspace’s writes and every search go on while the build waits', { timeout: 300_000 }, async () => {
      const growing = await createTestTenant(database);
      expect(await runIngestion(dependencies(), growing, cisiItems(cisi, 70, 7, 'growing'), chunking)).toMatchObject({ failed: 0 });
      // A writer elsewhere holds the table: CREATE INDEX CONCURRENTLY waits for it before building.
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let holding!: () => void;
      const held = new Promise<void>((resolve) => (holding = resolve));
      const writer = withWorkspace(database, small, async (transaction) => {
        await transaction.query('LOCK TABLE chunks IN ROW EXCLUSIVE MODE');
        holding();
        await gate;
      });
      await held;
      const build = ensureVectorIndex(database, growing.workspaceId, { threshold });
      for (let attempt = 0; attempt < 600 && (await vectorIndexState(database, growing.workspaceId)) !== 'building'; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(await vectorIndexState(database, growing.workspaceId)).toBe('building');
      // While it builds: the workspace takes a new document, and searches answer, exactly.
      await ingestDocument(dependencies(), growing, { source: 'late.md', content: '# Late arrival\n\nPhonetic transcription of Basque folk songs.' });
      const [late] = await vectorSearch(dependencies(), growing, { query: 'Phonetic transcription of Basque folk songs', limit: 1 });
      expect(late!.source).toBe('late.md');
      expect((await vectorSearch(dependencies(), large, { query: 'automatic indexing', limit: 3 })).length).toBe(3);
      release();
      await writer;
      expect(await build).toBe('built');
      expect(await vectorIndexState(database, growing.workspaceId)).toBe('ready');
      const [found] = await vectorSearch(dependencies(), growing, { query: 'Phonetic transcription of Basque folk songs', limit: 1 });
      expect(found!.source).toBe('late.md');
    });
  });
});
