// What a document carries into ingestion, defined once: the ingestion service parses it, and the
// HTTP API builds its JSON body and multipart fields from the same field schemas.
import { z } from 'zod';
import { jsonObjectSchema } from '../tenancy/validation.ts';
import { chunkingOptionsSchema } from './chunker.ts';

export const maximumMetadataBytes = 16 * 1024;

export const documentSourceSchema = z
  .string()
  .trim()
  .min(1)
  .max(2000)
  .refine((source) => ![...source].some((character) => character.charCodeAt(0) < 0x20), 'must not contain control characters')
  .describe("The document's identity in the workspace (path, URL, id); re-sending a source replaces it");
export const documentTitleSchema = z.string().trim().min(1).max(500);
export const documentContentTypeSchema = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .describe('text/markdown, text/plain or text/html; default: from the source extension, else (inline text) from the content');
export const documentMetadataSchema = jsonObjectSchema(maximumMetadataBytes).describe(
  `Free-form JSON object stored with the document (at most ${maximumMetadataBytes} bytes as UTF-8 JSON)`,
);

export const documentInputSchema = z.strictObject({
  source: documentSourceSchema,
  title: documentTitleSchema.optional(),
  content: z.union([z.string(), z.instanceof(Uint8Array)]),
  contentType: documentContentTypeSchema.optional(),
  metadata: documentMetadataSchema.optional(),
});

/** How a document is indexed: chunk sizes in tokens, and whether the knowledge graph hears of it. */
export const ingestOptionFields = {
  chunkSize: chunkingOptionsSchema.shape.chunkSize.unwrap().optional().describe('Tokens per chunk (default 512)'),
  chunkOverlap: chunkingOptionsSchema.shape.chunkOverlap.unwrap().optional().describe('Tokens shared by neighbouring chunks (default 64, at most half the chunk size)'),
  graph: z.boolean().optional().describe('false: do not extract knowledge-graph facts from this document'),
};
