// The ingestion service: store, replace, list, read and delete a workspace's documents.
// Used by `ragspace ingest`, the first start of `ragspace serve`, and the HTTP API.
//
// A document is identified by (workspace, source). The pipeline: load → chunk → embed (on a worker
// thread, prepare-content.ts; a remote embedder is called from here) → store (one transaction,
// document-store.ts) → notify the listeners (the knowledge graph) after the commit.
import { randomUUID } from 'node:crypto';
import type { Database } from '../db/database.ts';
import { clientErrorForDatabaseFailure } from '../db/database-errors.ts';
import { isUuid } from '../db/workspace-scope.ts';
import { upstreamError, validationError } from '../errors.ts';
import type { Page, PageRequest } from '../tenancy/pagination.ts';
import { parseInput } from '../tenancy/validation.ts';
import type { WorkspaceContext } from '../tenancy/workspace-context.ts';
import { parseChunkingOptions } from './chunker.ts';
import { documentInputSchema } from './document-input.ts';
import type { DocumentListener, StoredChunk, StoredDocument } from './document-events.ts';
import * as store from './document-store.ts';
import type { DocumentWriters } from './document-writers.ts';
import type { DocumentChunk, DocumentSummary, IngestStatus, StoreGuard } from './document-store.ts';
import { binaryVectorLength, packBinaryVectors, type Embedder } from './embedders/embedder.ts';
import { isLocalEmbedder } from './embedders/local-embedder.ts';
import { documentFingerprint } from './fingerprint.ts';
import { resolveContentType } from './loaders/index.ts';
import { embeddingText, type ContentRequest, type PreparedContent } from './prepare-content.ts';
import { noteEmbeddedTexts } from '../tenancy/usage-scope.ts';
import { sharedCpuWorkers, type CpuWorkers } from '../workers/cpu-pool.ts';

export { embeddingText };
export type { DocumentChunk, DocumentSummary, IngestStatus, StoreGuard };

export interface IngestionDependencies {
  database: Database;
  embedder: Embedder;
  /** Told about stored and removed documents after each commit (the knowledge graph). */
  listeners?: readonly DocumentListener[];
  /** Worker threads for the CPU work; the process's shared pool when absent. */
  workers?: CpuWorkers;
  /** Runs in the transaction that stores a new version, after the write; throwing rolls it back (the API's quotas). */
  storeGuard?: StoreGuard;
  /** Bounds the writes of this process that run at once (the server's); absent: no bound. */
  documentWriters?: DocumentWriters;
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
  /**
   * The id a new document gets (default: a random one). An ingestion job passes its own, so that
   * its next attempt takes over a staged document an interrupted attempt left unpublished.
   */
  documentId?: string;
}

export interface DocumentDetails extends DocumentSummary {
  chunks?: DocumentChunk[];
}

export interface IngestResult {
  document: DocumentSummary;
  status: IngestStatus;
  chunkCount: number;
}

/** A request-level limit: more chunks than this in one document is refused (422) before embedding. */
export const maximumChunksPerDocument = 10_000;


function requireDocumentId(documentId: string): void {
  if (!isUuid(documentId)) throw validationError(`Document id "${documentId}" is not a UUID`);
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
      // The database failing (unavailable, full) or the workspace deleted meanwhile is no fault of
      // the listener's upstream: it is answered as such (503, 507, 409), not as 502.
      const databaseFailure = clientErrorForDatabaseFailure(error);
      if (databaseFailure) throw databaseFailure;
      failures.push((error as Error).message ?? String(error));
    }
  }
  if (failures.length > 0) {
    throw upstreamError(`${describe}, but a document listener (knowledge graph) failed: ${failures.join('; ')}`, { failures });
  }
}

/** Validates the input and computes what identifies this version of the document. */
function identifyVersion(input: DocumentInput, options: IngestOptions) {
  const document = parseInput(documentInputSchema, input);
  const chunking = parseChunkingOptions({ chunkSize: options.chunkSize, chunkOverlap: options.chunkOverlap });
  const contentType = resolveContentType(document);
  const metadata = document.metadata ?? {};
  const contentHash = documentFingerprint({ content: document.content, contentType, title: document.title, metadata, chunking });
  const request: ContentRequest = {
    source: document.source,
    content: document.content,
    contentType,
    title: document.title,
    chunking,
    maximumChunks: maximumChunksPerDocument,
  };
  return { document, request, metadata, contentHash };
}

/** One vector per chunk, packed: from the worker (local embedder) or from the remote embedder. */
async function vectorsOf(embedder: Embedder, prepared: PreparedContent): Promise<Uint8Array> {
  if (prepared.vectors) {
    // Embedded on a worker thread, past the metered embedder: the usage scope is told here.
    noteEmbeddedTexts(embedder.name, prepared.chunks.map((chunk) => embeddingText(prepared.title, chunk)));
    return prepared.vectors;
  }
  const embeddings = await embedder.embedDocuments(prepared.chunks.map((chunk) => embeddingText(prepared.title, chunk)));
  const malformed = embeddings.length !== prepared.chunks.length || embeddings.some((vector) => vector.length !== embedder.dimensions);
  if (malformed) {
    throw upstreamError(
      `Embedder ${embedder.name} returned ${embeddings.length} vectors for ${prepared.chunks.length} chunks, not all of ${embedder.dimensions} dimensions`,
    );
  }
  return packBinaryVectors(embeddings, embedder.dimensions);
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
  const { document, request, metadata, contentHash } = identifyVersion(input, options);

  // An unchanged re-run is answered before any parsing or embedding.
  const current = await store.findDocumentBySource(dependencies.database, context, document.source);
  if (current?.contentHash === contentHash) return { document: current, status: 'unchanged', chunkCount: current.chunkCount };

  const { embedder } = dependencies;
  const workers = dependencies.workers ?? sharedCpuWorkers();
  const prepared = await workers.prepareContent({ ...request, embedWith: isLocalEmbedder(embedder) ? embedder.settings : undefined });
  const vectors = await vectorsOf(embedder, prepared);
  const recordLength = binaryVectorLength(embedder.dimensions);
  const version: store.DocumentVersion = {
    id: options.documentId ?? randomUUID(),
    source: document.source,
    title: prepared.title,
    contentType: request.contentType,
    contentHash,
    metadata,
    tokenCount: prepared.tokenCount,
    chunks: prepared.chunks.map((chunk, index) => ({
      ...chunk,
      id: randomUUID(),
      vector: vectors.subarray(index * recordLength, (index + 1) * recordLength),
    })),
  };
  const write = () => store.writeDocument(dependencies.database, context, version, dependencies.storeGuard);
  const stored = await (dependencies.documentWriters ? dependencies.documentWriters(write) : write());

  const listeners = options.graph === false ? [] : (dependencies.listeners ?? []);
  if (stored.status !== 'unchanged' && listeners.length > 0) {
    const storedDocument: StoredDocument = {
      id: stored.document.id,
      source: stored.document.source,
      title: stored.document.title,
      metadata: stored.document.metadata,
    };
    const storedChunks: StoredChunk[] = version.chunks.map(({ id, position, content, headingPath }) => ({ id, position, content, headingPath }));
    await notifyListeners(listeners, `Document "${document.source}" was stored`, (listener) =>
      listener.documentStored(context, storedDocument, storedChunks),
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
  dependencies: Pick<IngestionDependencies, 'database' | 'workers'>,
  context: WorkspaceContext,
  input: DocumentInput,
  options: IngestOptions = {},
): Promise<IngestPreview> {
  const { document, request, contentHash } = identifyVersion(input, options);
  const existing = await store.findDocumentBySource(dependencies.database, context, document.source);
  const prepared = await (dependencies.workers ?? sharedCpuWorkers()).prepareContent(request);
  return {
    status: !existing ? 'create' : existing.contentHash === contentHash ? 'unchanged' : 'update',
    title: prepared.title,
    chunkCount: prepared.chunks.length,
    tokenCount: prepared.tokenCount,
  };
}

/** One page of the workspace's documents, oldest first. */
export function listDocuments(database: Database, context: WorkspaceContext, page: PageRequest): Promise<Page<DocumentSummary>> {
  return store.listDocuments(database, context, page);
}

/** How many documents the workspace holds. */
export function countDocuments(database: Database, context: WorkspaceContext): Promise<number> {
  return store.countDocuments(database, context);
}

export async function getDocument(
  database: Database,
  context: WorkspaceContext,
  documentId: string,
  options: { includeChunks?: boolean } = {},
): Promise<DocumentDetails> {
  requireDocumentId(documentId);
  const { summary, chunks } = await store.readDocument(database, context, documentId, { summary: true, chunks: Boolean(options.includeChunks) });
  return chunks ? { ...summary!, chunks } : summary!;
}

/** A document's chunks in order (through the SQL function get_document_chunks). */
export async function getDocumentChunks(database: Database, context: WorkspaceContext, documentId: string): Promise<DocumentChunk[]> {
  requireDocumentId(documentId);
  return (await store.readDocument(database, context, documentId, { summary: false, chunks: true })).chunks!;
}

/** Deletes a document and its chunks; listeners hear about it after the commit. */
export async function deleteDocument(
  dependencies: Pick<IngestionDependencies, 'database' | 'listeners'>,
  context: WorkspaceContext,
  documentId: string,
): Promise<DocumentSummary> {
  requireDocumentId(documentId);
  const deleted = await store.removeDocument(dependencies.database, context, documentId);
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
    const ids = await store.removeDocumentBatch(dependencies.database, context, batchSize);
    if (ids.length === 0) return deleted;
    deleted += ids.length;
    for (const id of ids) {
      await notifyListeners(dependencies.listeners ?? [], `Document ${id} was deleted`, (listener) => listener.documentRemoved(context, id));
    }
  }
}
