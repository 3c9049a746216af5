// The document store: every SQL statement that reads or writes a workspace's documents and chunks.
// Each function runs in a workspace transaction (withWorkspace: RLS as ragspace_app) and also
// filters on workspace_id so an index serves it.
//
// A document version is written in one transaction, so a failure leaves the previous version
// whole; its chunks go in statements of bounded size (`chunkStatementLimits`), so no single
// statement holds the embedded database (one statement at a time for every tenant) for long.
import type { Database, Queryable } from '../db/database.ts';
import { withWorkspace } from '../db/workspace-scope.ts';
import { notFound } from '../errors.ts';
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

/** Chunks per INSERT at most, and bytes of content and vectors per INSERT at most. */
export const chunkStatementLimits = { chunks: 64, bytes: 512 * 1024 };

const summaryColumns = `d.id, d.workspace_id AS "workspaceId", d.source, d.title, d.content_type AS "contentType",
  d.content_hash AS "contentHash", d.metadata, d.token_count AS "tokenCount", d.chunk_count AS "chunkCount",
  d.created_at AS "createdAt", d.updated_at AS "updatedAt"`;

async function findSummary(transaction: Queryable, workspaceId: string, documentId: string): Promise<DocumentSummary | undefined> {
  const { rows } = await transaction.query<DocumentSummary>(
    `SELECT ${summaryColumns} FROM documents d WHERE d.workspace_id = $1 AND d.id = $2`,
    [workspaceId, documentId],
  );
  return rows[0];
}

async function findSummaryBySource(transaction: Queryable, workspaceId: string, source: string): Promise<DocumentSummary | undefined> {
  const { rows } = await transaction.query<DocumentSummary>(
    `SELECT ${summaryColumns} FROM documents d WHERE d.workspace_id = $1 AND d.source = $2`,
    [workspaceId, source],
  );
  return rows[0];
}

/** The stored document with this source, if any (its content hash tells whether it changed). */
export function findDocumentBySource(database: Database, context: WorkspaceContext, source: string): Promise<DocumentSummary | undefined> {
  return withWorkspace(database, context, (transaction) => findSummaryBySource(transaction, context.workspaceId, source));
}

/** Batches of consecutive chunks within chunkStatementLimits. */
function statementBatches<T extends { content: string; vector: Uint8Array }>(chunks: T[]): T[][] {
  const batches: T[][] = [];
  let batch: T[] = [];
  let bytes = 0;
  for (const chunk of chunks) {
    const size = chunk.content.length * 2 + chunk.vector.byteLength;
    if (batch.length > 0 && (batch.length >= chunkStatementLimits.chunks || bytes + size > chunkStatementLimits.bytes)) {
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

/**
 * Stores a document version in one transaction: creates the document, or replaces the one with
 * the same source (keeping its id), or leaves it when its content hash is the same.
 */
export async function writeDocument(
  database: Database,
  context: WorkspaceContext,
  version: DocumentVersion,
): Promise<{ document: DocumentSummary; status: IngestStatus }> {
  const workspaceId = context.workspaceId;
  const vectorParameter = vectorParameterFor(database);
  const [firstBatch = [], ...laterBatches] = statementBatches(version.chunks);
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
    const { rows } = await transaction.query<DocumentSummary & { created: boolean }>(
      `WITH document AS (
         INSERT INTO documents AS d (workspace_id, id, source, title, content_type, content_hash, metadata, token_count, chunk_count)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (workspace_id, source) DO UPDATE
           SET title = excluded.title, content_type = excluded.content_type, content_hash = excluded.content_hash,
               metadata = excluded.metadata, token_count = excluded.token_count, chunk_count = excluded.chunk_count, updated_at = now()
           WHERE d.content_hash <> excluded.content_hash
         RETURNING ${summaryColumns}, d.id = $2 AS created
       ), first_chunks AS (
         INSERT INTO chunks (${chunkColumns})
         SELECT * FROM (VALUES ${firstChunks}) AS chunk (${chunkColumns})
         WHERE EXISTS (SELECT FROM document WHERE created)
       )
       SELECT * FROM document`,
      parameters,
    );
    const written = rows[0];
    if (!written) return { document: (await findSummaryBySource(transaction, workspaceId, version.source))!, status: 'unchanged' as const };
    const { created, ...document } = written;
    if (!created) {
      await transaction.query('DELETE FROM chunks WHERE workspace_id = $1 AND document_id = $2', [workspaceId, document.id]);
    }
    for (const batch of created ? laterBatches : [firstBatch, ...laterBatches]) {
      const batchParameters: unknown[] = [workspaceId, document.id];
      const values = chunkValues(batch, batchParameters, vectorParameter);
      await transaction.query(`INSERT INTO chunks (${chunkColumns}) VALUES ${values}`, batchParameters);
    }
    return { document, status: created ? ('created' as const) : ('updated' as const) };
  });
}

/** One page of the workspace's documents, oldest first. */
export function listDocuments(database: Database, context: WorkspaceContext, page: PageRequest): Promise<Page<DocumentSummary>> {
  return withWorkspace(database, context, async (transaction) => {
    const clauses = pageClauses('d', page, 2);
    const { rows } = await transaction.query<DocumentSummary & { cursorTime: string }>(
      `SELECT ${summaryColumns}, ${cursorTimeColumn('d')} FROM documents d WHERE d.workspace_id = $1 AND ${clauses.where} ${clauses.orderAndLimit}`,
      [context.workspaceId, ...clauses.parameters],
    );
    return toPage(rows, page);
  });
}

/** How many documents the workspace holds. */
export function countDocuments(database: Database, context: WorkspaceContext): Promise<number> {
  return withWorkspace(database, context, async (transaction) => {
    const { rows } = await transaction.query<{ count: number }>('SELECT count(*)::integer AS count FROM documents WHERE workspace_id = $1', [
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
      `DELETE FROM documents d WHERE d.workspace_id = $1 AND d.id = $2 RETURNING ${summaryColumns}`,
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
