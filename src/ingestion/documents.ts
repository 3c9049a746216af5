// The ingestion service: store, replace, list, read and delete a workspace's documents.
// Used by `ragspace ingest`, the first start of `ragspace serve`, and the HTTP API.
//
// A document is identified by (workspace, source). Loading, chunking and embedding happen before
// any transaction opens; the write is one short transaction (the embedded database runs one
// statement at a time for every tenant), so a failure leaves the previous version whole.
import { randomUUID } from 'node:crypto';
import type { Database, Queryable } from '../db/database.ts';
import { isUuid, withWorkspace } from '../db/workspace-scope.ts';
import { isUniqueViolation, notFound, unprocessable, upstreamError, validationError } from '../errors.ts';
import { pageClauses, cursorTimeColumn, toPage, type Page, type PageRequest } from '../tenancy/pagination.ts';
import { parseInput } from '../tenancy/validation.ts';
import type { WorkspaceContext } from '../tenancy/workspace-context.ts';
import { chunkDocument, parseChunkingOptions, type Chunk } from './chunker.ts';
import { documentInputSchema } from './document-input.ts';
import type { DocumentListener, StoredChunk, StoredDocument } from './document-events.ts';
import { toVectorLiteral, type Embedder } from './embedders/embedder.ts';
import { documentFingerprint } from './fingerprint.ts';
import { loadDocument, resolveContentType } from './loaders/index.ts';
import { createTokenCounter, type TokenCounter } from './tokens.ts';

export interface IngestionDependencies {
  database: Database;
  embedder: Embedder;
  /** Told about stored and removed documents after each commit (the knowledge graph). */
  listeners?: readonly DocumentListener[];
  /** Shared tokenizer; one is built on first use when absent. */
  tokens?: TokenCounter;
}

export interface DocumentInput {
  /** Where the document comes from (relative path, URL, BEIR _id): its identity in the workspace. */
  source: string;
  /** Overrides the title the loader finds (first heading, HTML title, PDF title, file name). */
  title?: string;
  content: string | Uint8Array;
  /** MIME type; when absent the source's extension decides. */
  contentType?: string;
  metadata?: Record<string, unknown>;
}

export interface IngestOptions {
  chunkSize?: number;
  chunkOverlap?: number;
  /** false: do not notify the listeners (`--no-graph`). */
  graph?: boolean;
}

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

export interface DocumentDetails extends DocumentSummary {
  chunks?: DocumentChunk[];
}

export type IngestStatus = 'created' | 'updated' | 'unchanged';

export interface IngestResult {
  document: DocumentSummary;
  status: IngestStatus;
  chunkCount: number;
}

const summaryColumns = `d.id, d.workspace_id AS "workspaceId", d.source, d.title, d.content_type AS "contentType",
  d.content_hash AS "contentHash", d.metadata, d.token_count AS "tokenCount", d.chunk_count AS "chunkCount",
  d.created_at AS "createdAt", d.updated_at AS "updatedAt"`;

// Chunks per INSERT: ~32 × 1,024-d vectors keeps one statement in the tens of milliseconds.
const chunkInsertBatchSize = 32;

// A lazily built constant, not state: the tokenizer is immutable, and building it takes 0.2 s,
// too long to repeat for every uploaded document.
let sharedTokenCounter: TokenCounter | undefined;
function tokensOf(dependencies: Pick<IngestionDependencies, 'tokens'>): TokenCounter {
  if (dependencies.tokens) return dependencies.tokens;
  sharedTokenCounter ??= createTokenCounter();
  return sharedTokenCounter;
}

/** What the embedder sees: the headings a chunk sits under (and the title) give it context. */
export function embeddingText(title: string, chunk: Pick<Chunk, 'content' | 'headingPath'>): string {
  const context = chunk.headingPath[0] === title ? [...chunk.headingPath] : [title, ...chunk.headingPath];
  const prefix = context.filter((part) => !chunk.content.startsWith(part)).join(' › ');
  return prefix ? `${prefix}\n\n${chunk.content}` : chunk.content;
}

function requireDocumentId(documentId: string): void {
  if (!isUuid(documentId)) throw validationError(`Document id "${documentId}" is not a UUID`);
}

async function findSummary(transaction: Queryable, workspaceId: string, documentId: string): Promise<DocumentSummary | undefined> {
  const { rows } = await transaction.query<DocumentSummary>(
    `SELECT ${summaryColumns} FROM documents d WHERE d.workspace_id = $1 AND d.id = $2`,
    [workspaceId, documentId],
  );
  return rows[0];
}

async function findBySource(transaction: Queryable, workspaceId: string, source: string, lock: boolean) {
  const { rows } = await transaction.query<{ id: string; contentHash: string }>(
    `SELECT id, content_hash AS "contentHash" FROM documents WHERE workspace_id = $1 AND source = $2${lock ? ' FOR UPDATE' : ''}`,
    [workspaceId, source],
  );
  return rows[0];
}

async function insertChunks(
  transaction: Queryable,
  workspaceId: string,
  documentId: string,
  chunks: Array<Chunk & { id: string; embedding: number[] }>,
): Promise<void> {
  for (let start = 0; start < chunks.length; start += chunkInsertBatchSize) {
    const batch = chunks.slice(start, start + chunkInsertBatchSize);
    const parameters: unknown[] = [workspaceId, documentId];
    const rows = batch.map((chunk) => {
      const first = parameters.length + 1;
      parameters.push(chunk.id, chunk.position, chunk.content, chunk.headingPath, chunk.tokenCount, toVectorLiteral(chunk.embedding));
      return `($1, $${first}::uuid, $2, $${first + 1}::integer, $${first + 2}, $${first + 3}::text[], $${first + 4}::integer, $${first + 5}::vector)`;
    });
    await transaction.query(
      `INSERT INTO chunks (workspace_id, id, document_id, position, content, heading_path, token_count, embedding) VALUES ${rows.join(', ')}`,
      parameters,
    );
  }
}

interface PreparedDocument {
  source: string;
  title: string;
  contentType: string;
  contentHash: string;
  metadata: Record<string, unknown>;
  tokenCount: number;
  chunks: Array<Chunk & { id: string; embedding: number[] }>;
}

/** Writes a prepared document in one transaction; returns unchanged if an equal version is already there. */
async function storeDocument(
  database: Database,
  context: WorkspaceContext,
  prepared: PreparedDocument,
): Promise<{ document: DocumentSummary; status: IngestStatus }> {
  const workspaceId = context.workspaceId;
  return withWorkspace(database, context, async (transaction) => {
    const existing = await findBySource(transaction, workspaceId, prepared.source, true);
    if (existing && existing.contentHash === prepared.contentHash) {
      return { document: (await findSummary(transaction, workspaceId, existing.id))!, status: 'unchanged' as const };
    }
    const documentId = existing?.id ?? randomUUID();
    const parameters = [
      workspaceId,
      documentId,
      prepared.source,
      prepared.title,
      prepared.contentType,
      prepared.contentHash,
      prepared.metadata,
      prepared.tokenCount,
      prepared.chunks.length,
    ];
    const write = existing
      ? `UPDATE documents AS d SET source = $3, title = $4, content_type = $5, content_hash = $6, metadata = $7,
           token_count = $8, chunk_count = $9, updated_at = now()
         WHERE d.workspace_id = $1 AND d.id = $2 RETURNING ${summaryColumns}`
      : `INSERT INTO documents AS d (workspace_id, id, source, title, content_type, content_hash, metadata, token_count, chunk_count)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${summaryColumns}`;
    const { rows } = await transaction.query<DocumentSummary>(write, parameters);
    if (existing) {
      await transaction.query('DELETE FROM chunks WHERE workspace_id = $1 AND document_id = $2', [workspaceId, documentId]);
    }
    await insertChunks(transaction, workspaceId, documentId, prepared.chunks);
    return { document: rows[0]!, status: existing ? ('updated' as const) : ('created' as const) };
  });
}

function toStoredDocument(document: DocumentSummary): StoredDocument {
  return { id: document.id, source: document.source, title: document.title, metadata: document.metadata };
}

/** Tells every listener; a listener's failure is reported after all were told (the document stays stored). */
async function notifyListeners(
  listeners: readonly DocumentListener[],
  describe: string,
  notify: (listener: DocumentListener) => Promise<void>,
): Promise<void> {
  const failures: string[] = [];
  for (const listener of listeners) {
    try {
      await notify(listener);
    } catch (error) {
      failures.push((error as Error).message ?? String(error));
    }
  }
  if (failures.length > 0) {
    throw upstreamError(`${describe}, but a document listener (knowledge graph) failed: ${failures.join('; ')}`, { failures });
  }
}

/** Validates the input and computes what identifies this version of the document. */
function prepareDocument(input: DocumentInput, options: IngestOptions) {
  const document = parseInput(documentInputSchema, input);
  const chunking = parseChunkingOptions({ chunkSize: options.chunkSize, chunkOverlap: options.chunkOverlap });
  const contentType = resolveContentType(document);
  const metadata = document.metadata ?? {};
  const contentHash = documentFingerprint({ content: document.content, contentType, title: document.title, metadata, chunking });
  return { document, chunking, contentType, metadata, contentHash };
}

/**
 * Stores a document, or replaces it when its source exists with other content, or skips it when
 * nothing changed. Listeners hear about it after the commit (unless `graph: false`).
 */
export async function ingestDocument(
  dependencies: IngestionDependencies,
  context: WorkspaceContext,
  input: DocumentInput,
  options: IngestOptions = {},
): Promise<IngestResult> {
  const { document, chunking, contentType, metadata, contentHash } = prepareDocument(input, options);

  const current = await withWorkspace(dependencies.database, context, async (transaction) => {
    const found = await findBySource(transaction, context.workspaceId, document.source, false);
    return found && found.contentHash === contentHash ? findSummary(transaction, context.workspaceId, found.id) : undefined;
  });
  if (current) return { document: current, status: 'unchanged', chunkCount: current.chunkCount };

  const tokens = tokensOf(dependencies);
  const loaded = await loadDocument({ source: document.source, content: document.content, contentType });
  const title = document.title ?? loaded.title;
  const chunks = await chunkDocument(loaded, chunking, tokens);
  if (chunks.length === 0) throw unprocessable(`"${document.source}" produced no chunks`);
  const embeddings = await dependencies.embedder.embedDocuments(chunks.map((chunk) => embeddingText(title, chunk)));
  const malformed = embeddings.length !== chunks.length || embeddings.some((vector) => vector.length !== dependencies.embedder.dimensions);
  if (malformed) {
    throw upstreamError(
      `Embedder ${dependencies.embedder.name} returned ${embeddings.length} vectors for ${chunks.length} chunks, not all of ${dependencies.embedder.dimensions} dimensions`,
    );
  }
  const prepared: PreparedDocument = {
    source: document.source,
    title,
    contentType,
    contentHash,
    metadata,
    tokenCount: tokens.count(loaded.text),
    chunks: chunks.map((chunk, index) => ({ ...chunk, id: randomUUID(), embedding: embeddings[index]! })),
  };

  let stored: { document: DocumentSummary; status: IngestStatus };
  try {
    stored = await storeDocument(dependencies.database, context, prepared);
  } catch (error) {
    // Another writer created the same source between our read and our insert: it now exists, so retry as an update.
    if (!isUniqueViolation(error)) throw error;
    stored = await storeDocument(dependencies.database, context, prepared);
  }

  const listeners = options.graph === false ? [] : (dependencies.listeners ?? []);
  if (stored.status !== 'unchanged' && listeners.length > 0) {
    const storedChunks: StoredChunk[] = prepared.chunks.map((chunk) => ({
      id: chunk.id,
      position: chunk.position,
      content: chunk.content,
      headingPath: chunk.headingPath,
    }));
    await notifyListeners(listeners, `Document "${document.source}" was stored`, (listener) =>
      listener.documentStored(context, toStoredDocument(stored.document), storedChunks),
    );
  }
  return { ...stored, chunkCount: stored.document.chunkCount };
}

export interface IngestPreview {
  status: 'create' | 'update' | 'unchanged';
  title: string;
  chunkCount: number;
  tokenCount: number;
}

/** What ingestDocument would do (`--dry-run`): loads and chunks, but neither embeds nor writes. */
export async function previewDocument(
  dependencies: Pick<IngestionDependencies, 'database' | 'tokens'>,
  context: WorkspaceContext,
  input: DocumentInput,
  options: IngestOptions = {},
): Promise<IngestPreview> {
  const { document, chunking, contentType, contentHash } = prepareDocument(input, options);
  const existing = await withWorkspace(dependencies.database, context, (transaction) =>
    findBySource(transaction, context.workspaceId, document.source, false),
  );
  const tokens = tokensOf(dependencies);
  const loaded = await loadDocument({ source: document.source, content: document.content, contentType });
  const chunks = await chunkDocument(loaded, chunking, tokens);
  return {
    status: !existing ? 'create' : existing.contentHash === contentHash ? 'unchanged' : 'update',
    title: document.title ?? loaded.title,
    chunkCount: chunks.length,
    tokenCount: tokens.count(loaded.text),
  };
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

export async function getDocument(
  database: Database,
  context: WorkspaceContext,
  documentId: string,
  options: { includeChunks?: boolean } = {},
): Promise<DocumentDetails> {
  requireDocumentId(documentId);
  return withWorkspace(database, context, async (transaction) => {
    const document = await findSummary(transaction, context.workspaceId, documentId);
    if (!document) throw notFound(`Document ${documentId} not found`);
    if (!options.includeChunks) return document;
    return { ...document, chunks: await readChunks(transaction, context.workspaceId, documentId) };
  });
}

/** A document's chunks in order (through the SQL function get_document_chunks). */
export async function getDocumentChunks(database: Database, context: WorkspaceContext, documentId: string): Promise<DocumentChunk[]> {
  requireDocumentId(documentId);
  return withWorkspace(database, context, async (transaction) => {
    if (!(await findSummary(transaction, context.workspaceId, documentId))) throw notFound(`Document ${documentId} not found`);
    return readChunks(transaction, context.workspaceId, documentId);
  });
}

/** Deletes a document and its chunks; listeners hear about it after the commit. */
export async function deleteDocument(
  dependencies: Pick<IngestionDependencies, 'database' | 'listeners'>,
  context: WorkspaceContext,
  documentId: string,
): Promise<DocumentSummary> {
  requireDocumentId(documentId);
  const deleted = await withWorkspace(dependencies.database, context, async (transaction) => {
    const document = await findSummary(transaction, context.workspaceId, documentId);
    if (!document) throw notFound(`Document ${documentId} not found`);
    await transaction.query('DELETE FROM documents WHERE workspace_id = $1 AND id = $2', [context.workspaceId, documentId]);
    return document;
  });
  await notifyListeners(dependencies.listeners ?? [], `Document "${deleted.source}" was deleted`, (listener) =>
    listener.documentRemoved(context, deleted.id),
  );
  return deleted;
}

/**
 * Deletes every document of the workspace (`ingest --clean`), a batch per transaction so other
 * tenants' statements get in between. Returns how many were deleted.
 */
export async function deleteAllDocuments(
  dependencies: Pick<IngestionDependencies, 'database' | 'listeners'>,
  context: WorkspaceContext,
  options: { batchSize?: number } = {},
): Promise<number> {
  const batchSize = options.batchSize ?? 100;
  let deleted = 0;
  for (;;) {
    const ids = await withWorkspace(dependencies.database, context, async (transaction) => {
      const { rows } = await transaction.query<{ id: string }>(
        `DELETE FROM documents WHERE workspace_id = $1
           AND id IN (SELECT id FROM documents WHERE workspace_id = $1 ORDER BY id LIMIT $2)
         RETURNING id`,
        [context.workspaceId, batchSize],
      );
      return rows.map((row) => row.id);
    });
    if (ids.length === 0) return deleted;
    deleted += ids.length;
    for (const id of ids) {
      await notifyListeners(dependencies.listeners ?? [], `Document ${id} was deleted`, (listener) => listener.documentRemoved(context, id));
    }
  }
}
