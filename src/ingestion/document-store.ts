// The document store: every SQL statement that reads or writes a workspace's documents and chunks.
// Each function runs in a workspace transaction (withWorkspace: RLS as ragspace_app) and also
// filters on workspace_id so an index serves it.
//
// A document version is written in one transaction, so a failure leaves the previous version
// whole; its chunks go in statements of bounded size (`chunkStatementLimits`). A new document
// larger than one transaction may hold (`transactionLimitsFor`) is staged instead (sql/704): written
// unpublished over several transactions, then published by one last short one. On the embedded
// database a transaction holds every tenant until it commits, so this bounds how long any other
// workspace waits. Unpublished documents are listed, read and searched by no one.
import type { Database, Queryable } from '../db/database.ts';
import { withWorkspace } from '../db/workspace-scope.ts';
import { conflict, documentBusy, notFound } from '../errors.ts';
import { pageClauses, cursorTimeColumn, toPage, type Page, type PageRequest } from '../tenancy/pagination.ts';
import type { WorkspaceContext } from '../tenancy/workspace-context.ts';
import type { Chunk } from './chunker.ts';
import { binaryVectorToLiteral } from './embedders/embedder.ts';

export interface DocumentSummary {
  id: string;
  workspaceId: string;
  source: string;
  title: string;
  contentType: string;
  contentHash: string;
  metadata: Record<string, unknown>;
  tokenCount: number;
  chunkCount: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface DocumentChunk {
  id: string;
  position: number;
  content: string;
  headingPath: string[];
  tokenCount: number;
  metadata: Record<string, unknown>;
}

export type IngestStatus = 'created' | 'updated' | 'unchanged';

/** A document version ready to store: its row, and its chunks with their vectors. */
export interface DocumentVersion extends Pick<DocumentSummary, 'id' | 'source' | 'title' | 'contentType' | 'contentHash' | 'metadata' | 'tokenCount'> {
  chunks: Array<Chunk & { id: string; vector: Uint8Array }>;
}

/**
 * Runs in the transaction that stores a new version, after its chunks are written (not for an
 * unchanged one); throwing rolls the version back. The API's quotas (tenancy/quotas.ts).
 */
export type StoreGuard = (transaction: Queryable, stored: { workspaceId: string; documentId: string; created: boolean }) => Promise<void>;

export interface WriteLimits {
  chunks: number;
  /** Bytes of content (UTF-16, as JavaScript holds it), and of vectors when `vectorsCount`. */
  bytes: number;
  vectorsCount: boolean;
}

/** Chunks per INSERT at most, and bytes of content and vectors per INSERT at most (the message's size). */
export const chunkStatementLimits: WriteLimits = { chunks: 64, bytes: 512 * 1024, vectorsCount: true };

/**
 * What one transaction of a new document writes at most; a document needing more is staged. Its
 * text is what costs (the postings of its lexemes), not its vectors. On PGlite (exclusive
 * transactions) 32 chunks of 128 tokens, or 12 of 512, take about 40-50 ms (bench:
 * ingestion-stall), and a document of a few pages is still one transaction; PostgreSQL lets others
 * read and write through a long transaction, so only a large document is staged there.
 */
export function transactionLimitsFor(database: Pick<Database, 'exclusiveTransactions'>): WriteLimits {
  return database.exclusiveTransactions
    ? { chunks: 32, bytes: 48 * 1024, vectorsCount: false }
    : { chunks: 512, bytes: 4 * 1024 * 1024, vectorsCount: false };
}

/**
 * An unpublished document whose writer made no progress for this long was abandoned (its process
 * died, or its database went away). A writer commits every few hundred milliseconds.
 */
const abandonedAfter = '2 minutes';

const summaryColumns = `d.id, d.workspace_id AS "workspaceId", d.source, d.title, d.content_type AS "contentType",
  d.content_hash AS "contentHash", d.metadata, d.token_count AS "tokenCount", d.chunk_count AS "chunkCount",
  d.created_at AS "createdAt", d.updated_at AS "updatedAt"`;

async function findSummary(transaction: Queryable, workspaceId: string, documentId: string): Promise<DocumentSummary | undefined> {
  const { rows } = await transaction.query<DocumentSummary>(
    `SELECT ${summaryColumns} FROM documents d WHERE d.workspace_id = $1 AND d.id = $2 AND d.published`,
    [workspaceId, documentId],
  );
  return rows[0];
}

async function findSummaryBySource(transaction: Queryable, workspaceId: string, source: string): Promise<DocumentSummary | undefined> {
  const { rows } = await transaction.query<DocumentSummary>(
    `SELECT ${summaryColumns} FROM documents d WHERE d.workspace_id = $1 AND d.source = $2 AND d.published`,
    [workspaceId, source],
  );
  return rows[0];
}

/** The stored document with this source, if any (its content hash tells whether it changed). */
export function findDocumentBySource(database: Database, context: WorkspaceContext, source: string): Promise<DocumentSummary | undefined> {
  return withWorkspace(database, context, (transaction) => findSummaryBySource(transaction, context.workspaceId, source));
}

/** Batches of consecutive chunks within the limits (a chunk larger than them alone). */
function batchesWithin<T extends { content: string; vector: Uint8Array }>(chunks: T[], limits: WriteLimits): T[][] {
  const batches: T[][] = [];
  let batch: T[] = [];
  let bytes = 0;
  for (const chunk of chunks) {
    const size = chunk.content.length * 2 + (limits.vectorsCount ? chunk.vector.byteLength : 0);
    if (batch.length > 0 && (batch.length >= limits.chunks || bytes + size > limits.bytes)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(chunk);
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/** Sends a packed vector as pg's binary parameter (vector_recv); in-process PGlite takes text only. */
function vectorParameterFor(database: Database): (vector: Uint8Array) => unknown {
  return database.kind === 'postgres'
    ? (vector) => Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength)
    : binaryVectorToLiteral;
}

/** `VALUES` rows of chunks for `INSERT INTO chunks`, their parameters appended (workspace $1, document $2). */
function chunkValues(batch: DocumentVersion['chunks'], parameters: unknown[], vectorParameter: (vector: Uint8Array) => unknown): string {
  return batch
    .map((chunk) => {
      const first = parameters.length + 1;
      parameters.push(chunk.id, chunk.position, chunk.content, chunk.headingPath, chunk.tokenCount, vectorParameter(chunk.vector));
      return `($1::uuid, $${first}::uuid, $2::uuid, $${first + 1}::integer, $${first + 2}::text, $${first + 3}::text[], $${first + 4}::integer, $${first + 5}::vector)`;
    })
    .join(', ');
}

const chunkColumns = 'workspace_id, id, document_id, position, content, heading_path, token_count, embedding';

/** Inserts chunks of one document, a statement per batch within chunkStatementLimits. */
async function insertChunks(
  transaction: Queryable,
  workspaceId: string,
  documentId: string,
  chunks: DocumentVersion['chunks'],
  vectorParameter: (vector: Uint8Array) => unknown,
): Promise<void> {
  for (const batch of batchesWithin(chunks, chunkStatementLimits)) {
    const parameters: unknown[] = [workspaceId, documentId];
    const values = chunkValues(batch, parameters, vectorParameter);
    await transaction.query(`INSERT INTO chunks (${chunkColumns}) VALUES ${values}`, parameters);
  }
}

/**
 * Stores a document version: creates the document, or replaces the one with the same source
 * (keeping its id), or leaves it when its content hash is the same. A new document larger than one
 * transaction may hold is staged; a replacement is written in one transaction, so the previous
 * version stays whole and keeps its id until the new one commits.
 */
export async function writeDocument(
  database: Database,
  context: WorkspaceContext,
  version: DocumentVersion,
  guard?: StoreGuard,
): Promise<{ document: DocumentSummary; status: IngestStatus }> {
  const transactions = batchesWithin(version.chunks, transactionLimitsFor(database));
  if (transactions.length > 1) {
    const staged = await writeStaged(database, context, version, transactions, guard);
    if (staged) return staged;
  }
  return writeInOneTransaction(database, context, version, guard);
}

/**
 * Deletes the unpublished document with this source if its writer abandoned it, or if it is this
 * version's own (an earlier attempt of the same ingestion job); true when it did.
 */
async function deleteAbandoned(transaction: Queryable, workspaceId: string, version: DocumentVersion): Promise<boolean> {
  const { rowCount } = await transaction.query(
    `DELETE FROM documents
     WHERE workspace_id = $1 AND source = $2 AND NOT published AND (id = $3 OR updated_at < now() - interval '${abandonedAfter}')`,
    [workspaceId, version.source, version.id],
  );
  return rowCount > 0;
}

async function writeInOneTransaction(
  database: Database,
  context: WorkspaceContext,
  version: DocumentVersion,
  guard?: StoreGuard,
): Promise<{ document: DocumentSummary; status: IngestStatus }> {
  const workspaceId = context.workspaceId;
  const vectorParameter = vectorParameterFor(database);
  const [firstBatch = []] = batchesWithin(version.chunks, chunkStatementLimits);
  return withWorkspace(database, context, async (transaction) => {
    // One statement creates the row with its first chunks, or locks and updates a changed row (its
    // chunks follow below); concurrent writers of one source queue on its unique index instead of failing.
    const parameters: unknown[] = [
      workspaceId,
      version.id,
      version.source,
      version.title,
      version.contentType,
      version.contentHash,
      version.metadata,
      version.tokenCount,
      version.chunks.length,
    ];
    const firstChunks = chunkValues(firstBatch, parameters, vectorParameter);
    const upsert = () =>
      transaction.query<DocumentSummary & { created: boolean }>(
        `WITH document AS (
           INSERT INTO documents AS d (workspace_id, id, source, title, content_type, content_hash, metadata, token_count, chunk_count)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (workspace_id, source) DO UPDATE
             SET title = excluded.title, content_type = excluded.content_type, content_hash = excluded.content_hash,
                 metadata = excluded.metadata, token_count = excluded.token_count, chunk_count = excluded.chunk_count, updated_at = now()
             WHERE d.published AND d.content_hash <> excluded.content_hash
           RETURNING ${summaryColumns}, d.id = $2 AS created
         ), first_chunks AS (
           INSERT INTO chunks (${chunkColumns})
           SELECT * FROM (VALUES ${firstChunks}) AS chunk (${chunkColumns})
           WHERE EXISTS (SELECT FROM document WHERE created)
         )
         SELECT * FROM document`,
        parameters,
      );
    let written = (await upsert()).rows[0];
    if (!written) {
      const unchanged = await findSummaryBySource(transaction, workspaceId, version.source);
      if (unchanged) return { document: unchanged, status: 'unchanged' as const };
      // The source is a staged document's, unpublished: being written, or abandoned by its writer.
      if (await deleteAbandoned(transaction, workspaceId, version)) written = (await upsert()).rows[0];
      if (!written) {
        throw documentBusy(`Document "${version.source}" is being written by another request; retry once it has been stored`, { source: version.source });
      }
    }
    const { created, ...document } = written;
    if (!created) {
      await transaction.query('DELETE FROM chunks WHERE workspace_id = $1 AND document_id = $2', [workspaceId, document.id]);
    }
    await insertChunks(transaction, workspaceId, document.id, created ? version.chunks.slice(firstBatch.length) : version.chunks, vectorParameter);
    await guard?.(transaction, { workspaceId, documentId: document.id, created });
    return { document, status: created ? ('created' as const) : ('updated' as const) };
  });
}

/**
 * Writes a new document unpublished, a transaction per batch of chunks, and publishes it in a last
 * transaction with the guard. Undefined when a document with this source exists (then the caller
 * writes in one transaction). A failure deletes what was written, a batch per transaction.
 */
async function writeStaged(
  database: Database,
  context: WorkspaceContext,
  version: DocumentVersion,
  transactions: Array<DocumentVersion['chunks']>,
  guard?: StoreGuard,
): Promise<{ document: DocumentSummary; status: IngestStatus } | undefined> {
  const workspaceId = context.workspaceId;
  const vectorParameter = vectorParameterFor(database);
  const started = await withWorkspace(database, context, async (transaction) => {
    const insertUnpublished = async () =>
      (
        await transaction.query(
          `INSERT INTO documents (workspace_id, id, source, title, content_type, content_hash, metadata, token_count, chunk_count, published)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, false)
           ON CONFLICT (workspace_id, source) DO NOTHING`,
          [workspaceId, version.id, version.source, version.title, version.contentType, version.contentHash, version.metadata, version.tokenCount, version.chunks.length],
        )
      ).rowCount > 0;
    const inserted = (await insertUnpublished()) || ((await deleteAbandoned(transaction, workspaceId, version)) && (await insertUnpublished()));
    if (!inserted) return false;
    await insertChunks(transaction, workspaceId, version.id, transactions[0]!, vectorParameter);
    return true;
  });
  if (!started) return undefined;

  const gone = () => conflict(`Document "${version.source}" was deleted while it was being written`, { source: version.source });
  try {
    for (const chunks of transactions.slice(1)) {
      await withWorkspace(database, context, async (transaction) => {
        // Progress, so no one takes the document for abandoned; nothing when it was deleted meanwhile.
        const { rowCount } = await transaction.query(
          'UPDATE documents SET updated_at = now() WHERE workspace_id = $1 AND id = $2 AND NOT published',
          [workspaceId, version.id],
        );
        if (!rowCount) throw gone();
        await insertChunks(transaction, workspaceId, version.id, chunks, vectorParameter);
      });
    }
    return await withWorkspace(database, context, async (transaction) => {
      const { rows } = await transaction.query<DocumentSummary>(
        `UPDATE documents d SET published = true, created_at = now(), updated_at = now()
         WHERE d.workspace_id = $1 AND d.id = $2 AND NOT d.published
         RETURNING ${summaryColumns}`,
        [workspaceId, version.id],
      );
      if (!rows[0]) throw gone();
      await guard?.(transaction, { workspaceId, documentId: version.id, created: true });
      return { document: rows[0], status: 'created' as const };
    });
  } catch (error) {
    await discardStaged(database, context, version.id, transactions).catch(() => {
      // Left unpublished: the next writer of this source deletes it once abandoned.
    });
    throw error;
  }
}

/** Deletes an unpublished document: its chunks a transaction's worth at a time, then its row. */
async function discardStaged(database: Database, context: WorkspaceContext, documentId: string, transactions: Array<DocumentVersion['chunks']>): Promise<void> {
  for (const chunks of transactions) {
    await withWorkspace(database, context, (transaction) =>
      transaction.query(
        `DELETE FROM chunks c USING documents d
         WHERE c.workspace_id = $1 AND c.id = ANY ($3::uuid[]) AND d.workspace_id = $1 AND d.id = $2 AND c.document_id = d.id AND NOT d.published`,
        [context.workspaceId, documentId, chunks.map((chunk) => chunk.id)],
      ),
    );
  }
  await withWorkspace(database, context, (transaction) =>
    transaction.query('DELETE FROM documents WHERE workspace_id = $1 AND id = $2 AND NOT published', [context.workspaceId, documentId]),
  );
}

/** One page of the workspace's documents, oldest first. */
export function listDocuments(database: Database, context: WorkspaceContext, page: PageRequest): Promise<Page<DocumentSummary>> {
  return withWorkspace(database, context, async (transaction) => {
    const clauses = pageClauses('d', page, 2);
    const { rows } = await transaction.query<DocumentSummary & { cursorTime: string }>(
      `SELECT ${summaryColumns}, ${cursorTimeColumn('d')} FROM documents d WHERE d.workspace_id = $1 AND d.published AND ${clauses.where} ${clauses.orderAndLimit}`,
      [context.workspaceId, ...clauses.parameters],
    );
    return toPage(rows, page);
  });
}

/** How many documents the workspace holds. */
export function countDocuments(database: Database, context: WorkspaceContext): Promise<number> {
  return withWorkspace(database, context, async (transaction) => {
    const { rows } = await transaction.query<{ count: number }>('SELECT count(*)::integer AS count FROM documents WHERE workspace_id = $1 AND published', [
      context.workspaceId,
    ]);
    return rows[0]!.count;
  });
}

async function readChunks(transaction: Queryable, workspaceId: string, documentId: string): Promise<DocumentChunk[]> {
  const { rows } = await transaction.query<DocumentChunk>(
    `SELECT chunk_id AS id, chunk_position AS position, content, heading_path AS "headingPath", token_count AS "tokenCount", metadata
     FROM get_document_chunks($1, $2)`,
    [workspaceId, documentId],
  );
  return rows;
}

/** A document, with its chunks in order on request; 404 when the workspace has no such document. */
export function readDocument(
  database: Database,
  context: WorkspaceContext,
  documentId: string,
  include: { summary: boolean; chunks: boolean },
): Promise<{ summary?: DocumentSummary; chunks?: DocumentChunk[] }> {
  return withWorkspace(database, context, async (transaction) => {
    const summary = await findSummary(transaction, context.workspaceId, documentId);
    if (!summary) throw notFound(`Document ${documentId} not found`);
    const chunks = include.chunks ? await readChunks(transaction, context.workspaceId, documentId) : undefined;
    return { summary: include.summary ? summary : undefined, chunks };
  });
}

/** Deletes a document and its chunks; 404 when there is none. */
export function removeDocument(database: Database, context: WorkspaceContext, documentId: string): Promise<DocumentSummary> {
  return withWorkspace(database, context, async (transaction) => {
    const { rows } = await transaction.query<DocumentSummary>(
      `DELETE FROM documents d WHERE d.workspace_id = $1 AND d.id = $2 AND d.published RETURNING ${summaryColumns}`,
      [context.workspaceId, documentId],
    );
    if (!rows[0]) throw notFound(`Document ${documentId} not found`);
    return rows[0];
  });
}

/** Deletes up to `batchSize` of the workspace's documents; returns their ids (none left: empty). */
export function removeDocumentBatch(database: Database, context: WorkspaceContext, batchSize: number): Promise<string[]> {
  return withWorkspace(database, context, async (transaction) => {
    const { rows } = await transaction.query<{ id: string }>(
      `DELETE FROM documents WHERE workspace_id = $1
         AND id IN (SELECT id FROM documents WHERE workspace_id = $1 ORDER BY id LIMIT $2)
       RETURNING id`,
      [context.workspaceId, batchSize],
    );
    return rows.map((row) => row.id);
  });
}
