// What every search takes and returns. The workspace is never part of the request: it comes from
// the WorkspaceContext (ARCHITECTURE.md invariant 1).
import { z } from 'zod';
import type { Database } from '../db/database.ts';
import type { Embedder } from '../ingestion/embedders/embedder.ts';
import { parseInput } from '../tenancy/validation.ts';

export interface SearchDependencies {
  database: Database;
  embedder: Embedder;
}

export const maximumSearchLimit = 1000;

/** One search request, for every caller: the HTTP API (routes extend it with the mode), the CLI and the agent's tools. */
export const searchRequestSchema = z.strictObject({
  query: z.string().trim().min(1, 'must not be empty').max(8000).describe('graph mode: at most 2000 characters'),
  limit: z.number().int().min(1).max(maximumSearchLimit).default(10).describe(`How many hits, 1-${maximumSearchLimit} (graph mode: at most 50)`),
  filters: z
    .strictObject({
      documentIds: z.array(z.uuid()).min(1).max(1000).optional().describe('Only chunks of these documents'),
      metadata: z
        .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
        .optional()
        .describe('Only documents whose metadata has all these key/value pairs'),
    })
    .optional()
    .describe('Document filters (not in graph mode)'),
});

export type SearchRequest = z.input<typeof searchRequestSchema>;
export type ParsedSearchRequest = z.output<typeof searchRequestSchema>;

export interface SearchHit {
  chunkId: string;
  documentId: string;
  title: string;
  source: string;
  headingPath: string[];
  content: string;
  position: number;
  /** The score the hits are ordered by: cosine similarity, BM25, or the fused score. */
  score: number;
  /** Each leg's own score, when the chunk came up in that leg. */
  scores: { vector?: number; text?: number; hybrid?: number };
}

export function parseSearchRequest(request: SearchRequest): ParsedSearchRequest {
  return parseInput(searchRequestSchema, request);
}

/** The SQL functions' filter arguments: NULL means "no filter". */
export function filterParameters(request: ParsedSearchRequest): [string[] | null, Record<string, string | number | boolean> | null] {
  const metadata = request.filters?.metadata;
  return [request.filters?.documentIds ?? null, metadata && Object.keys(metadata).length > 0 ? metadata : null];
}

export interface HitRow {
  chunk_id: string;
  document_id: string;
  title: string;
  source: string;
  heading_path: string[];
  content: string;
  chunk_position: number;
}

export function toHit(row: HitRow, score: number, scores: SearchHit['scores']): SearchHit {
  return {
    chunkId: row.chunk_id,
    documentId: row.document_id,
    title: row.title,
    source: row.source,
    headingPath: row.heading_path,
    content: row.content,
    position: row.chunk_position,
    score,
    scores,
  };
}
