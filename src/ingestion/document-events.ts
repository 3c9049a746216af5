// What the ingestion pipeline tells other indexes (the knowledge graph) about documents.
// Called after the document's own transaction has committed, so a slow or failing listener
// never holds the database or leaves a half-written document.
import type { WorkspaceContext } from '../tenancy/workspace-context.ts';

export interface StoredDocument {
  id: string;
  source: string;
  title: string;
  metadata: Record<string, unknown>;
}

export interface StoredChunk {
  id: string;
  position: number;
  content: string;
  headingPath: string[];
}

export interface DocumentListener {
  /** A document was created or replaced; `chunks` are all of its current chunks. */
  documentStored(context: WorkspaceContext, document: StoredDocument, chunks: StoredChunk[]): Promise<void>;
  /** A document was deleted (its chunks are gone). */
  documentRemoved(context: WorkspaceContext, documentId: string): Promise<void>;
}
