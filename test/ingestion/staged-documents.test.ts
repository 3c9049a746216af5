// A new document larger than one transaction may hold is staged (document-store.ts, sql/704):
// written unpublished over several short transactions and published by a last one. Between those
// transactions no one lists, reads or finds it; once published it scores exactly as a document
// written in one transaction; a failure or an abandoned writer leaves nothing behind.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { withWorkspace } from '../../src/db/workspace-scope.ts';
import { RagspaceError } from '../../src/errors.ts';
import { transactionLimitsFor } from '../../src/ingestion/document-store.ts';
import { countDocuments, getDocument, ingestDocument, listDocuments, type IngestionDependencies } from '../../src/ingestion/documents.ts';
import { ensureDeploymentEmbedder } from '../../src/ingestion/embedders/deployment-embedder.ts';
import { createLocalEmbedder } from '../../src/ingestion/embedders/local-embedder.ts';
import { search, searchModes } from '../../src/search/search.ts';
import type { WorkspaceContext } from '../../src/tenancy/workspace-context.ts';
import { createTestDatabase, createTestTenant } from '../helpers/database.ts';
import { errorOf, failingStatements } from '../helpers/injected-faults.ts';

const chunking = { chunkSize: 32, chunkOverlap: 0 };

/** Paragraphs of about 25 tokens: one 32-token chunk each. */
function largeDocument(paragraphs: number, topic: string): string {
  return Array.from({ length: paragraphs }, (_, index) => `Section ${index} of the ${topic} manual explains ledger export number ${index} and its audit trail.`).join('\n\n');
}

/** A Database whose transactions call `after(n)` once the n-th has committed (or failed), before the writer goes on. */
function observedDatabase(database: Database, after: (transactionNumber: number) => Promise<void>): Database & { transactions(): number } {
  let count = 0;
  return {
    ...database,
    transactions: () => count,
    transaction: async (work, opening) => {
      const number = ++count;
      try {
        return await database.transaction(work, opening);
      } finally {
        await after(number);
      }
    },
  };
}

/** Rows of every table that holds a workspace's documents and search data, as the app role sees them. */
async function contentCounts(database: Database, context: WorkspaceContext) {
  return withWorkspace(database, context, async (transaction) => {
    const { rows } = await transaction.query<{ documents: number; chunks: number; postings: number; lexemes: number; statistics: unknown; gauges: unknown }>(
      `SELECT (SELECT count(*)::int FROM documents WHERE workspace_id = $1) AS documents,
              (SELECT count(*)::int FROM chunks WHERE workspace_id = $1) AS chunks,
              (SELECT count(*)::int FROM search_postings WHERE workspace_id = $1) AS postings,
              (SELECT count(*)::int FROM search_term_statistics WHERE workspace_id = $1) AS lexemes,
              (SELECT row(chunk_count, total_length)::text FROM search_statistics WHERE workspace_id = $1) AS statistics,
              (SELECT row(documents, storage_bytes)::text FROM workspace_resource_usage WHERE workspace_id = $1) AS gauges`,
      [context.workspaceId],
    );
    return rows[0]!;
  });
}

describe('staged documents', () => {
  let database: Database;
  let dependencies: IngestionDependencies;
  let paragraphs: number;

  beforeAll(async () => {
    database = await createTestDatabase();
    const embedder = createLocalEmbedder();
    await ensureDeploymentEmbedder(database, embedder);
    dependencies = { database, embedder };
    // Enough 32-token chunks for three transactions of this tier and a last, partial one.
    paragraphs = transactionLimitsFor(database).chunks * 3 + 5;
  });

  afterAll(async () => {
    await database.close();
  });

  it('lists, reads and finds a new large document only once its last transaction has published it', async () => {
    const workspace = await createTestTenant(database);
    const existing = await ingestDocument(dependencies, workspace, { source: 'guide.md', content: 'The zanzibar ledger guide covers exports.' });

    const seen: Array<{ documents: number; listed: number; hits: Record<string, string[]> }> = [];
    const observe = async () => {
      const hits: Record<string, string[]> = {};
      for (const mode of searchModes) {
        hits[mode] = (await search(dependencies, workspace, mode, { query: 'zanzibar ledger export audit trail', limit: 50 })).map((hit) => hit.source);
      }
      const listed = (await listDocuments(database, workspace, { limit: 100 })).items.length;
      seen.push({ documents: await countDocuments(database, workspace), listed, hits });
    };
    const writer = observedDatabase(database, observe);

    const stored = await ingestDocument({ ...dependencies, database: writer }, workspace, { source: 'manual.md', content: largeDocument(paragraphs, 'zanzibar') }, chunking);

    expect(stored.status).toBe('created');
    expect(stored.chunkCount).toBeGreaterThan(transactionLimitsFor(database).chunks * 3);
    // The lookup of the source, four transactions of chunks (the first with the document), the publication.
    expect(writer.transactions()).toBe(6);
    const whileStaged = seen.slice(0, -1);
    for (const observation of whileStaged) {
      expect(observation).toEqual({ documents: 1, listed: 1, hits: { hybrid: ['guide.md'], text: ['guide.md'], vector: ['guide.md'] } });
    }
    const published = seen.at(-1)!;
    expect(published.documents).toBe(2);
    for (const mode of searchModes) expect(published.hits[mode]).toContain('manual.md');
    expect((await getDocument(database, workspace, stored.document.id, { includeChunks: true })).chunks).toHaveLength(stored.chunkCount);
    expect(existing.status).toBe('created');
  });

  it('hides the document from reads by id until it is published', async () => {
    const workspace = await createTestTenant(database);
    const reads: number[] = [];
    let documentId: string | undefined;
    const writer = observedDatabase(database, async () => {
      documentId ??= await withWorkspace(database, workspace, async (transaction) => {
        const { rows } = await transaction.query<{ id: string }>('SELECT id FROM documents WHERE workspace_id = $1', [workspace.workspaceId]);
        return rows[0]?.id;
      });
      if (documentId) reads.push(await getDocument(database, workspace, documentId).then(() => 200, (error: RagspaceError) => error.statusCode));
    });
    await ingestDocument({ ...dependencies, database: writer }, workspace, { source: 'manual.md', content: largeDocument(paragraphs, 'zanzibar') }, chunking);
    expect(reads.slice(0, -1)).toEqual([404, 404, 404, 404]);
    expect(reads.at(-1)).toBe(200);
  });

  it('scores a published document exactly as the same document written in one transaction', async () => {
    const staged = await createTestTenant(database);
    const single = await createTestTenant(database);
    const content = largeDocument(paragraphs, 'zanzibar');
    expect((await ingestDocument(dependencies, staged, { source: 'manual.md', content }, chunking)).status).toBe('created');
    // A replacement is written in one transaction: both workspaces then hold the same chunks.
    await ingestDocument(dependencies, single, { source: 'manual.md', content: 'A first, short version.' }, chunking);
    expect((await ingestDocument(dependencies, single, { source: 'manual.md', content }, chunking)).status).toBe('updated');

    // Queries whose numbers name a few chunks (sections below 50 exist on every tier): those chunks
    // rank first, each with its score (chunks of equal score tie on random ids, so they are compared as sets).
    for (const numbers of [[12, 31, 47], [7, 33], [5, 40]]) {
      const named = new RegExp(`\\b(${numbers.join('|')})\\b`);
      const scored = async (workspace: WorkspaceContext) =>
        (await search(dependencies, workspace, 'text', { query: `${numbers.join(' ')} audit trail`, limit: 20 }))
          .filter((hit) => named.test(hit.content))
          .map((hit) => `${hit.score} ${hit.content}`)
          .sort();
      const fromStaged = await scored(staged);
      expect(fromStaged).toHaveLength(numbers.length);
      expect(fromStaged).toEqual(await scored(single));
    }
  });

  it('deletes what it wrote when a transaction fails, leaving the workspace as it was', async () => {
    const workspace = await createTestTenant(database);
    await ingestDocument(dependencies, workspace, { source: 'guide.md', content: 'The ledger guide covers exports.' });
    const before = await contentCounts(database, workspace);

    let chunkInserts = 0;
    const faulty = failingStatements(database, (sql) => sql.startsWith('INSERT INTO chunks') && ++chunkInserts === 3);
    await expect(ingestDocument({ ...dependencies, database: faulty }, workspace, { source: 'manual.md', content: largeDocument(paragraphs, 'zanzibar') }, chunking)).rejects.toThrow(
      /disk full/,
    );
    expect(chunkInserts).toBe(3);
    expect(await contentCounts(database, workspace)).toEqual(before);
  });

  it('deletes what it wrote when the guard refuses the publication', async () => {
    const workspace = await createTestTenant(database);
    await ingestDocument(dependencies, workspace, { source: 'guide.md', content: 'The ledger guide covers exports.' });
    const before = await contentCounts(database, workspace);
    const refusing: IngestionDependencies = {
      ...dependencies,
      storeGuard: async (_transaction, stored) => {
        expect(stored.created).toBe(true);
        throw new RagspaceError('storage_quota_exceeded', 413, 'Storage quota exceeded (injected)');
      },
    };
    const error = await errorOf(ingestDocument(refusing, workspace, { source: 'manual.md', content: largeDocument(paragraphs, 'zanzibar') }, chunking));
    expect(error.code).toBe('storage_quota_exceeded');
    expect(await contentCounts(database, workspace)).toEqual(before);
  });

  it('answers another writer of the same source with document_busy while it is staged', async () => {
    const workspace = await createTestTenant(database);
    let competing: RagspaceError | undefined;
    const writer = observedDatabase(database, async (transactionNumber) => {
      // After the first transaction of chunks, the document exists unpublished.
      if (transactionNumber === 2) competing = await errorOf(ingestDocument(dependencies, workspace, { source: 'manual.md', content: 'Another version.' }));
    });
    const stored = await ingestDocument({ ...dependencies, database: writer }, workspace, { source: 'manual.md', content: largeDocument(paragraphs, 'zanzibar') }, chunking);
    expect(competing?.code).toBe('document_busy');
    expect(competing?.statusCode).toBe(409);
    expect(stored.status).toBe('created');
    expect((await getDocument(database, workspace, stored.document.id)).chunkCount).toBe(stored.chunkCount);
  });

  /** Ingests a large `manual.md` through a process that dies after its first transaction of chunks. */
  async function dieWhileStaging(workspace: WorkspaceContext, options: { documentId?: string } = {}): Promise<void> {
    const dying = observedDatabase(database, async () => {});
    const dead: Database = {
      ...dying,
      transaction: (work, opening) => (dying.transactions() >= 2 ? Promise.reject(new Error('process killed (injected)')) : dying.transaction(work, opening)),
    };
    await expect(
      ingestDocument({ ...dependencies, database: dead }, workspace, { source: 'manual.md', content: largeDocument(paragraphs, 'zanzibar') }, { ...chunking, ...options }),
    ).rejects.toThrow(/process killed/);
  }

  it('replaces a document its writer abandoned, once it has made no progress for two minutes', async () => {
    const workspace = await createTestTenant(database);
    await ingestDocument(dependencies, workspace, { source: 'guide.md', content: 'The ledger guide covers exports.' });
    const before = await contentCounts(database, workspace);

    await dieWhileStaging(workspace);
    const left = await contentCounts(database, workspace);
    expect(left.documents).toBe(before.documents + 1);
    expect(left.chunks).toBe(before.chunks + transactionLimitsFor(database).chunks);

    // While it may still be written, the source is busy.
    expect((await errorOf(ingestDocument(dependencies, workspace, { source: 'manual.md', content: 'The new manual.' }))).code).toBe('document_busy');
    await withWorkspace(database, workspace, (transaction) =>
      transaction.query("UPDATE documents SET updated_at = now() - interval '3 minutes' WHERE workspace_id = $1 AND NOT published", [workspace.workspaceId]),
    );
    const replaced = await ingestDocument(dependencies, workspace, { source: 'manual.md', content: 'The new manual.' });
    expect(replaced.status).toBe('created');
    const after = await contentCounts(database, workspace);
    expect(after.documents).toBe(before.documents + 1);
    expect(after.chunks).toBe(before.chunks + replaced.chunkCount);
  });

  it('lets the next attempt of the same ingestion job take over what an interrupted one left, at once', async () => {
    const workspace = await createTestTenant(database);
    const before = await contentCounts(database, workspace);
    const jobId = randomUUID();
    await dieWhileStaging(workspace, { documentId: jobId });
    expect((await contentCounts(database, workspace)).documents).toBe(before.documents + 1);
    // Any other writer still finds the source busy.
    const other = ingestDocument(dependencies, workspace, { source: 'manual.md', content: largeDocument(paragraphs, 'zanzibar') }, { ...chunking, documentId: randomUUID() });
    expect((await errorOf(other)).code).toBe('document_busy');

    const retried = await ingestDocument(dependencies, workspace, { source: 'manual.md', content: largeDocument(paragraphs, 'zanzibar') }, { ...chunking, documentId: jobId });
    expect(retried.status).toBe('created');
    expect(retried.document.id).toBe(jobId);
    const after = await contentCounts(database, workspace);
    expect(after.documents).toBe(before.documents + 1);
    expect(after.chunks).toBe(before.chunks + retried.chunkCount);
  });
});
