// Request and response schemas of documents, ingestion jobs and search.
import { z } from 'zod';
import {
  documentContentTypeSchema,
  documentInputSchema,
  documentMetadataSchema,
  documentSourceSchema,
  documentTitleSchema,
  ingestOptionFields,
} from '../../ingestion/document-input.ts';
import { searchRequestSchema } from '../../search/search-request.ts';

const timestamp = z.date().describe('ISO 8601 date-time');

/** The JSON upload: the ingestion service's document input with text (or base64) content, and the ingest options. */
export const jsonDocumentBodySchema = documentInputSchema.extend({
  content: z
    .string()
    .min(1)
    .describe('The document: text (Markdown, plain text, HTML, CSV), or the file\'s bytes in base64 with contentEncoding "base64" (PDF, DOCX, PPTX, XLSX, ODT, ODS, ODP)'),
  contentEncoding: z.enum(['text', 'base64']).optional().describe("base64: content is the file's bytes in base64 (for binary formats); default text"),
  ...ingestOptionFields,
});

/** Multipart form fields (documentation; the route reads the stream itself). */
export const multipartDocumentBodySchema = z.object({
  file: z.string().meta({ format: 'binary' }).describe('The document: .md, .txt, .html, .pdf, .csv, .tsv, .docx, .pptx, .xlsx, .odt, .ods or .odp'),
  source: z.string().optional().describe('Default: the file name'),
  title: z.string().optional(),
  contentType: z.string().optional().describe("Default: the file part's Content-Type, else the extension"),
  metadata: z.string().optional().describe('A JSON object, as text'),
  chunkSize: z.string().optional(),
  chunkOverlap: z.string().optional(),
  graph: z.enum(['true', 'false']).optional(),
});

/** Multipart text fields, parsed from strings into the same fields as the JSON upload. */
export const multipartFieldsSchema = z.strictObject({
  source: documentSourceSchema.optional(),
  title: documentTitleSchema.optional(),
  contentType: documentContentTypeSchema.optional(),
  metadata: z
    .string()
    .transform((text, context) => {
      try {
        const parsed: unknown = JSON.parse(text);
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
      } catch {
        // Reported below.
      }
      context.addIssue({ code: 'custom', message: 'must be a JSON object' });
      return z.NEVER;
    })
    .pipe(documentMetadataSchema)
    .optional(),
  chunkSize: z.coerce.number().pipe(ingestOptionFields.chunkSize.unwrap()).optional(),
  chunkOverlap: z.coerce.number().pipe(ingestOptionFields.chunkOverlap.unwrap()).optional(),
  graph: z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .optional(),
});

export const uploadQuerySchema = z.object({
  async: z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .optional()
    .describe('true: always answer 202 with a job; by default only large uploads do'),
});

export const documentSummarySchema = z
  .object({
    id: z.uuid(),
    workspaceId: z.uuid(),
    source: z.string(),
    title: z.string(),
    contentType: z.string(),
    contentHash: z.string(),
    metadata: z.record(z.string(), z.unknown()),
    tokenCount: z.number().int(),
    chunkCount: z.number().int(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Document' });

export const documentChunkSchema = z
  .object({
    id: z.uuid(),
    position: z.number().int(),
    content: z.string(),
    headingPath: z.array(z.string()),
    tokenCount: z.number().int(),
    metadata: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'DocumentChunk' });

export const documentDetailsSchema = documentSummarySchema
  .extend({ chunks: z.array(documentChunkSchema).optional().describe('Present with ?include=chunks') })
  .meta({ id: 'DocumentWithChunks' });

export const ingestResultSchema = z
  .object({
    document: documentSummarySchema,
    status: z.enum(['created', 'updated', 'unchanged']),
    chunkCount: z.number().int(),
  })
  .meta({ id: 'IngestResult' });

export const ingestionJobSchema = z
  .object({
    id: z.uuid(),
    workspaceId: z.uuid(),
    source: z.string(),
    sizeBytes: z.number().int(),
    status: z.enum(['queued', 'running', 'succeeded', 'failed']),
    attempts: z.number().int().describe('How often a worker has started it (a crashed worker\'s job is started again)'),
    createdAt: timestamp,
    startedAt: timestamp.nullable(),
    finishedAt: timestamp.nullable(),
    result: z
      .object({ documentId: z.uuid(), status: z.enum(['created', 'updated', 'unchanged']), chunkCount: z.number().int() })
      .nullable(),
    error: z
      .object({ code: z.string(), message: z.string() })
      .nullable()
      .describe('Why it failed; on a queued job, why its last attempt was interrupted (it will be retried)'),
  })
  .meta({ id: 'IngestionJob' });

export const documentParamsSchema = z.object({ id: z.uuid(), docId: z.uuid().describe('Document id') });
export const jobParamsSchema = z.object({ id: z.uuid(), jobId: z.uuid().describe('Ingestion job id') });
export const documentQuerySchema = z.object({
  include: z.enum(['chunks']).optional().describe('chunks: also return the document\'s chunks in order'),
});

export const searchModes = ['vector', 'text', 'hybrid', 'graph'] as const;

/** The search service's request, plus the mode (and graph mode's option). */
export const searchBodySchema = searchRequestSchema.extend({
  mode: z
    .enum(searchModes)
    .default('hybrid')
    .describe('vector similarity, BM25 text, their fusion (hybrid), or knowledge-graph facts (graph)'),
  currentOnly: z.boolean().optional().describe('graph mode: only facts not invalidated by later ones (default false)'),
});

export const searchHitSchema = z
  .object({
    chunkId: z.uuid(),
    documentId: z.uuid(),
    title: z.string(),
    source: z.string(),
    headingPath: z.array(z.string()),
    content: z.string(),
    position: z.number().int(),
    score: z.number().describe('The score hits are ordered by: cosine similarity, BM25, or the fused score'),
    scores: z.object({ vector: z.number().optional(), text: z.number().optional(), hybrid: z.number().optional() }),
  })
  .meta({ id: 'SearchHit' });

const entityTypeSchema = z.string().describe('person, organization, place, product, concept or other');
const entityReferenceSchema = z.object({ id: z.string(), name: z.string(), type: entityTypeSchema });

export const graphFactSchema = z
  .object({
    id: z.string(),
    relation: z.string(),
    fact: z.string().describe('The fact as a sentence'),
    source: entityReferenceSchema,
    target: entityReferenceSchema,
    validAt: z.string().nullable().describe('When the fact became true, if known'),
    invalidAt: z.string().nullable().describe('When a later fact contradicted it, if ever'),
    createdAt: z.string(),
    expiredAt: z.string().nullable(),
    documentIds: z.array(z.string()).describe('Documents the fact was learned from'),
    score: z.number(),
    matchedBy: z.array(z.enum(['text', 'embedding', 'neighbourhood'])),
  })
  .meta({ id: 'GraphFact' });

export const graphEntitySchema = z
  .object({ id: z.string(), name: z.string(), type: entityTypeSchema, summary: z.string() })
  .meta({ id: 'GraphEntity' });
