// The ingestion service against a real database: identity by (workspace, source), unchanged
// documents skipped, changed ones replaced, a failure mid-document leaves the previous version,
// listeners told after the commit, --clean confined to its workspace, and the deployment embedder.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { withWorkspace } from '../../src/db/workspace-scope.ts';
import type { DocumentListener } from '../../src/ingestion/document-events.ts';
import {
  countDocuments,
  deleteAllDocuments,
  deleteDocument,
  getDocument,
  getDocumentChunks,
  ingestDocument,
  listDocuments,
  previewDocument,
  type IngestionDependencies,
} from '../../src/ingestion/documents.ts';
import { ensureDeploymentEmbedder, readRecordedEmbedder } from '../../src/ingestion/embedders/deployment-embedder.ts';
import type { Embedder } from '../../src/ingestion/embedders/embedder.ts';
import { createLocalEmbedder } from '../../src/ingestion/embedders/local-embedder.ts';
import { textSearch } from '../../src/search/text-search.ts';
import type { WorkspaceContext } from '../../src/tenancy/workspace-context.ts';
import { deleteWorkspace } from '../../src/tenancy/workspaces.ts';
import { createTestDatabase, createTestTenant } from '../helpers/database.ts';
import { errorOf, failingStatements } from '../helpers/injected-faults.ts';

const guide = `# Sync guide

## Install

Download the desktop app and sign in.

## Conflicts

When two devices edit the same file, both versions are kept as conflicted copies.
`;

function longDocument(paragraphs: number): string {
  return Array.from({ length: paragraphs }, (_, index) => `Paragraph ${index} talks about sync, storage and invoices in turn.`).join('\n\n');
}

/** Rows of every table that holds a workspace's search data, as the app role sees them. */
async function contentCounts(database: Database, context: WorkspaceContext) {
  return withWorkspace(database, context, async (transaction) => {
    const { rows } = await transaction.query<{ documents: number; chunks: number; postings: number; statistics: unknown }>(
      `SELECT (SELECT count(*)::int FROM documents WHERE workspace_id = $1) AS documents,
              (SELECT count(*)::int FROM chunks WHERE workspace_id = $1) AS chunks,
              (SELECT count(*)::int FROM search_postings WHERE workspace_id = $1) AS postings,
              (SELECT row(chunk_count, total_length)::text FROM search_statistics WHERE workspace_id = $1) AS statistics`,
      [context.workspaceId],
    );
    return rows[0]!;
  });
}

describe('ingestion service', () => {
  let database: Database;
  let embedder: Embedder;
  let dependencies: IngestionDependencies;
  let workspaceA: WorkspaceContext;
  let workspaceB: WorkspaceContext;

  beforeAll(async () => {
    database = await createTestDatabase();
    embedder = createLocalEmbedder();
    await ensureDeploymentEmbedder(database, embedder);
    dependencies = { database, embedder };
    workspaceA = await createTestTenant(database);
    workspaceB = await createTestTenant(database);
  });
  afterAll(() => database.close());

  it('records the deployment embedder once and refuses another one, naming both', async () => {
    expect(await readRecordedEmbedder(database)).toEqual({ name: 'local:hashing-v1', dimensions: 1024 });
    await ensureDeploymentEmbedder(database, createLocalEmbedder());
    const mismatch = await errorOf(ensureDeploymentEmbedder(database, createLocalEmbedder({ dimensions: 384 })));
    expect(mismatch.code).toBe('embedder_mismatch');
    expect(mismatch.message).toContain('local:hashing-v1 (1024 dimensions)');
    expect(mismatch.message).toContain('local:hashing-v1 (384 dimensions)');
    const { rows } = await database.query<{ type: string }>(
      "SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = 'chunks'::regclass AND attname = 'embedding'",
    );
    expect(rows[0]!.type).toBe('vector(1024)');
  });

  it('stores a document with its chunks, heading paths and embeddings in the workspace', async () => {
    const result = await ingestDocument(dependencies, workspaceA, { source: 'guides/sync.md', content: guide, metadata: { team: 'desktop' } });
    expect(result.status).toBe('created');
    expect(result.chunkCount).toBe(2);
    expect(result.document).toMatchObject({
      workspaceId: workspaceA.workspaceId,
      source: 'guides/sync.md',
      title: 'Sync guide',
      contentType: 'text/markdown',
      metadata: { team: 'desktop' },
      chunkCount: 2,
    });
    const details = await getDocument(database, workspaceA, result.document.id, { includeChunks: true });
    expect(details.chunks!.map((chunk) => [chunk.position, chunk.headingPath])).toEqual([
      [0, ['Sync guide', 'Install']],
      [1, ['Sync guide', 'Conflicts']],
    ]);
    expect(await getDocumentChunks(database, workspaceA, result.document.id)).toEqual(details.chunks);
    const embeddings = await withWorkspace(database, workspaceA, (transaction) =>
      transaction.query<{ dimensions: number }>('SELECT vector_dims(embedding) AS dimensions FROM chunks WHERE workspace_id = $1 AND document_id = $2', [
        workspaceA.workspaceId,
        result.document.id,
      ]),
    );
    expect(embeddings.rows).toEqual([{ dimensions: 1024 }, { dimensions: 1024 }]);
    // The other workspace sees nothing of it, even by id.
    await expect(getDocument(database, workspaceB, result.document.id)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('skips an unchanged document and replaces a changed one in place', async () => {
    const first = await ingestDocument(dependencies, workspaceA, { source: 'notes.txt', content: 'Invoices are sent monthly.' });
    const again = await ingestDocument(dependencies, workspaceA, { source: 'notes.txt', content: 'Invoices are sent monthly.' });
    expect(again.status).toBe('unchanged');
    expect(again.document).toEqual(first.document);

    const oldChunks = await getDocumentChunks(database, workspaceA, first.document.id);
    const changed = await ingestDocument(dependencies, workspaceA, { source: 'notes.txt', content: 'Refunds take fourteen days.' });
    expect(changed.status).toBe('updated');
    expect(changed.document.id).toBe(first.document.id);
    const newChunks = await getDocumentChunks(database, workspaceA, first.document.id);
    expect(newChunks.map((chunk) => chunk.content)).toEqual(['Refunds take fourteen days.']);
    expect(newChunks[0]!.id).not.toBe(oldChunks[0]!.id);
    expect(await textSearch(dependencies, workspaceA, { query: 'invoices monthly' })).toEqual([]);
    expect((await textSearch(dependencies, workspaceA, { query: 'refunds' }))[0]!.documentId).toBe(first.document.id);

    // Changing how it is chunked also counts as a change.
    const rechunked = await ingestDocument(dependencies, workspaceA, { source: 'notes.txt', content: 'Refunds take fourteen days.' }, { chunkSize: 64, chunkOverlap: 8 });
    expect(rechunked.status).toBe('updated');
  });

  it('leaves the previous version whole when writing a new version fails midway', async () => {
    const source = 'long.txt';
    const original = await ingestDocument(dependencies, workspaceA, { source, content: longDocument(10) }, { chunkSize: 32, chunkOverlap: 0 });
    const before = { document: await getDocument(database, workspaceA, original.document.id, { includeChunks: true }), counts: await contentCounts(database, workspaceA) };
    // The storage fails on the second chunk INSERT, after the document update, the deletion of the
    // old chunks and the first batch of chunks have run in the transaction.
    let chunkInserts = 0;
    const faultyDatabase = failingStatements(database, (sql) => sql.startsWith('INSERT INTO chunks') && ++chunkInserts === 2);
    await expect(
      ingestDocument({ database: faultyDatabase, embedder }, workspaceA, { source, content: longDocument(300) }, { chunkSize: 32, chunkOverlap: 0 }),
    ).rejects.toThrow(/disk full/);
    expect(chunkInserts).toBe(2);
    expect(await getDocument(database, workspaceA, original.document.id, { includeChunks: true })).toEqual(before.document);
    expect(await contentCounts(database, workspaceA)).toEqual(before.counts);
  });

  it('tells listeners after the commit, and not when graph is off or nothing changed', async () => {
    const events: string[] = [];
    const listener: DocumentListener = {
      async documentStored(context, document, chunks) {
        // Called after the commit: a new transaction already sees the document.
        const visible = await getDocument(database, context, document.id);
        events.push(`stored ${document.source} ${chunks.length} ${visible.chunkCount} ${context.workspaceId === workspaceA.workspaceId}`);
      },
      async documentRemoved(_context, documentId) {
        events.push(`removed ${documentId}`);
      },
    };
    const withListener = { ...dependencies, listeners: [listener] };
    const stored = await ingestDocument(withListener, workspaceA, { source: 'listened.md', content: guide });
    await ingestDocument(withListener, workspaceA, { source: 'listened.md', content: guide });
    await ingestDocument(withListener, workspaceA, { source: 'quiet.md', content: guide }, { graph: false });
    await deleteDocument(withListener, workspaceA, stored.document.id);
    expect(events).toEqual(['stored listened.md 2 2 true', `removed ${stored.document.id}`]);

    const failingListener: DocumentListener = { ...listener, documentStored: () => Promise.reject(new Error('graph is down')) };
    const error = await errorOf(ingestDocument({ ...dependencies, listeners: [failingListener] }, workspaceA, { source: 'graph-down.md', content: guide }));
    expect(error).toMatchObject({ code: 'upstream_error' });
    expect(error.message).toMatch(/"graph-down\.md" was stored, but a document listener \(knowledge graph\) failed: graph is down/);
    expect((await listDocuments(database, workspaceA, { limit: 100 })).items.map((item) => item.source)).toContain('graph-down.md');
  });

  it('lists documents page by page and previews without writing', async () => {
    const workspace = await createTestTenant(database);
    for (const name of ['a', 'b', 'c']) await ingestDocument(dependencies, workspace, { source: `${name}.txt`, content: `Document ${name}` });
    const first = await listDocuments(database, workspace, { limit: 2 });
    expect(first.items.map((item) => item.source)).toEqual(['a.txt', 'b.txt']);
    const second = await listDocuments(database, workspace, { limit: 2, cursor: first.nextCursor! });
    expect(second).toMatchObject({ items: [{ source: 'c.txt' }], nextCursor: null });

    expect(await previewDocument(dependencies, workspace, { source: 'a.txt', content: 'Document a' })).toMatchObject({ status: 'unchanged', chunkCount: 1 });
    expect(await previewDocument(dependencies, workspace, { source: 'a.txt', content: 'Changed' })).toMatchObject({ status: 'update' });
    expect(await previewDocument(dependencies, workspace, { source: 'd.md', content: guide })).toMatchObject({ status: 'create', chunkCount: 2, title: 'Sync guide' });
    expect(await countDocuments(database, workspace)).toBe(3);
  });

  it('refuses bad input with a clear error and stores nothing', async () => {
    const before = await contentCounts(database, workspaceA);
    expect(await errorOf(ingestDocument(dependencies, workspaceA, { source: ' ', content: 'x' }))).toMatchObject({ code: 'validation_error' });
    expect(await errorOf(ingestDocument(dependencies, workspaceA, { source: 'a\u0001b.txt', content: 'x' }))).toMatchObject({ code: 'validation_error' });
    expect(await errorOf(ingestDocument(dependencies, workspaceA, { source: 'sheet.numbers', content: 'x' }))).toMatchObject({ code: 'unsupported_media_type' });
    expect(await errorOf(ingestDocument(dependencies, workspaceA, { source: 'x.txt', content: 'x' }, { chunkSize: 10 }))).toMatchObject({ code: 'validation_error' });
    expect(await errorOf(getDocument(database, workspaceA, 'not-a-uuid'))).toMatchObject({ code: 'validation_error' });
    const shortVectors: Embedder = { ...embedder, embedDocuments: async (texts) => texts.map(() => [1, 0, 0]) };
    const malformed = await errorOf(ingestDocument({ database, embedder: shortVectors }, workspaceA, { source: 'y.txt', content: 'y' }));
    expect(malformed).toMatchObject({ code: 'upstream_error' });
    expect(malformed.message).toMatch(/not all of 1024 dimensions/);
    expect(await errorOf(deleteDocument(dependencies, workspaceA, '00000000-0000-4000-8000-000000000000'))).toMatchObject({ code: 'not_found' });
    expect(await contentCounts(database, workspaceA)).toEqual(before);
  });

  it('cleans only its own workspace', async () => {
    await ingestDocument(dependencies, workspaceB, { source: 'guides/sync.md', content: guide });
    const otherBefore = await contentCounts(database, workspaceB);
    const hitsBefore = await textSearch(dependencies, workspaceB, { query: 'conflicted copies' });
    expect(otherBefore.documents).toBe(1);

    const removed = await deleteAllDocuments(dependencies, workspaceA, { batchSize: 2 });
    expect(removed).toBeGreaterThan(3);
    expect(await contentCounts(database, workspaceA)).toEqual({ documents: 0, chunks: 0, postings: 0, statistics: '(0,0)' });
    expect(await contentCounts(database, workspaceB)).toEqual(otherBefore);
    expect(await textSearch(dependencies, workspaceB, { query: 'conflicted copies' })).toEqual(hitsBefore);
  });

  it('removes the search data of a deleted workspace', async () => {
    const workspace = await createTestTenant(database);
    await ingestDocument(dependencies, workspace, { source: 'guides/sync.md', content: guide });
    await deleteWorkspace(database, workspace.workspaceId);
    const { rows } = await database.query<{ postings: number; statistics: number }>(
      `SELECT (SELECT count(*)::int FROM search_postings WHERE workspace_id = $1) AS postings,
              (SELECT count(*)::int FROM search_statistics WHERE workspace_id = $1) AS statistics`,
      [workspace.workspaceId],
    );
    expect(rows[0]).toEqual({ postings: 0, statistics: 0 });
  });
});
