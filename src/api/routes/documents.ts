// /workspaces/:id/documents: upload (JSON text or a multipart file, through the same ingestion
// pipeline as `ragspace ingest`), list, read (optionally with chunks), delete, and the status of
// large uploads, which are answered 202 and ingested by a job in PostgreSQL that any server process may run.
import fastifyMultipart from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { RagspaceError, validationError } from '../../errors.ts';
import { deleteDocument, getDocument, listDocuments, type DocumentInput } from '../../ingestion/documents.ts';
import { resolveContentType } from '../../ingestion/loaders/index.ts';
import { ingestUpload, type Upload } from '../../ingestion/metered-ingestion.ts';
import { parseInput } from '../../tenancy/validation.ts';
import { checkDocumentRoom } from '../../tenancy/quotas.ts';
import { access } from '../access.ts';
import { workspaceContextOf } from '../plugins/authentication.ts';
import { quotasApply } from '../plugins/metering.ts';
import { requireWellFormedInput } from '../plugins/request-input.ts';
import type { RouteModule } from '../route-module.ts';
import { idParamsSchema, noContentSchema, pageQuerySchema, pageSchema } from '../schemas/common.ts';
import {
  documentDetailsSchema,
  documentParamsSchema,
  documentQuerySchema,
  documentSummarySchema,
  ingestionJobSchema,
  ingestResultSchema,
  jobParamsSchema,
  jsonDocumentBodySchema,
  multipartDocumentBodySchema,
  multipartFieldsSchema,
  uploadQuerySchema,
} from '../schemas/documents.ts';

const tags = ['documents'];

// Strict base64 (Buffer.from would silently skip stray characters and store a damaged file).
const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function decodeBase64Content(content: string): Buffer {
  const compact = content.replace(/\s+/g, '');
  if (!base64Pattern.test(compact)) {
    throw validationError('content is not valid base64', [{ path: 'body.content', message: 'must be base64 when contentEncoding is "base64"' }]);
  }
  return Buffer.from(compact, 'base64');
}

function fromJson(body: unknown): Upload {
  const { chunkSize, chunkOverlap, graph, contentEncoding, ...document } = parseInput(jsonDocumentBodySchema, body);
  const content = contentEncoding === 'base64' ? decodeBase64Content(document.content) : document.content;
  const sizeBytes = typeof content === 'string' ? Buffer.byteLength(content) : content.byteLength;
  return { input: { ...document, content }, options: { chunkSize, chunkOverlap, graph }, sizeBytes };
}

/** The multipart parser (busboy) reports a missing boundary or a truncated body as a plain Error with no code. */
function malformedMultipart(error: unknown): unknown {
  if (error instanceof RagspaceError || (error as { code?: unknown } | null)?.code !== undefined) return error;
  return validationError(`Malformed multipart/form-data body: ${(error as Error).message}`);
}

/** Reads one file part (field "file") and the text fields, in whatever order they arrive. */
async function fromMultipart(request: FastifyRequest): Promise<Upload> {
  const fields: Record<string, string> = {};
  let file: { name: string; type: string; content: Buffer } | undefined;
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        const content = await part.toBuffer();
        if (part.fieldname !== 'file' || file) throw validationError('Send exactly one file, in the form field "file"');
        file = { name: part.filename, type: part.mimetype, content };
      } else {
        fields[part.fieldname] = String(part.value);
      }
    }
  } catch (error) {
    throw malformedMultipart(error);
  }
  if (!file) throw validationError('The form has no file: send the document in the form field "file"');
  // The text rule of the JSON edge (plugins/request-input.ts) holds for form fields and the file name too.
  requireWellFormedInput({ ...fields, filename: file.name }, 'body');
  const { chunkSize, chunkOverlap, graph, ...named } = parseInput(multipartFieldsSchema, fields);
  // Clients send application/octet-stream when they do not know; the extension decides then.
  const declaredType = file.type && file.type !== 'application/octet-stream' ? file.type : undefined;
  const input: DocumentInput = {
    source: named.source ?? file.name,
    content: file.content,
    title: named.title,
    contentType: named.contentType ?? declaredType,
    metadata: named.metadata,
  };
  return { input, options: { chunkSize, chunkOverlap, graph }, sizeBytes: file.content.byteLength };
}

export const documentRoutes: RouteModule = async (app, { runtime, ingestion, ingestionJobs, metering, asyncUploadThresholdBytes: asyncThresholdBytes }) => {
  const { database, config } = runtime;

  // Only this route file parses multipart; elsewhere a form upload is a 415.
  await app.register(fastifyMultipart, {
    limits: { fileSize: config.bodyLimitBytes, files: 1, fields: 20, fieldSize: 64 * 1024, parts: 21 },
  });

  app.post('/workspaces/:id/documents', {
    config: { access: access.workspace('documents:write') },
    schema: {
      tags,
      summary: 'Add or replace a document (JSON text or a multipart file upload)',
      description: [
        'The source identifies the document in the workspace: sending an existing source replaces it (200, status updated),',
        'the same content again changes nothing (200, unchanged); a new source answers 201.',
        `Uploads of ${asyncThresholdBytes} bytes or more (or with ?async=true) answer 202 with a job to poll at`,
        '/workspaces/{id}/documents/jobs/{jobId}. Jobs are kept in the database until done and survive restarts;',
        "a workspace runs at most its plan's concurrentIngestionJobs at once, and has at most a bounded number waiting",
        '(429 ingestion_queue_full beyond it).',
      ].join(' '),
      params: idParamsSchema,
      querystring: uploadQuerySchema,
      body: {
        content: {
          'application/json': { schema: jsonDocumentBodySchema },
          'multipart/form-data': { schema: multipartDocumentBodySchema },
        },
      },
      response: {
        200: ingestResultSchema,
        201: ingestResultSchema,
        202: z.object({ job: ingestionJobSchema }),
      },
    },
    handler: async (request, reply) => {
      const context = workspaceContextOf(request);
      const upload = request.isMultipart() ? await fromMultipart(request) : fromJson(request.body);
      // Refuse an unsupported type now (415), not later inside a background job.
      resolveContentType(upload.input);
      // Quotas: refused at once when full (a background upload too, with its 429 or 413 now rather
      // than a failed job), and checked again exactly where the document is written.
      const quotas = quotasApply(metering, request);
      if (quotas) await checkDocumentRoom(database, context, upload.input.source);

      if (request.query.async === true || upload.sizeBytes >= asyncThresholdBytes) {
        const job = await ingestionJobs.enqueue(context, { ...upload, metering: { quotas, requestId: request.id } });
        reply.header('location', `/workspaces/${context.workspaceId}/documents/jobs/${job.id}`);
        return reply.code(202).send({ job });
      }

      const usage = metering.usage;
      const result = await ingestUpload(ingestion, context, upload, {
        quotas,
        requestId: request.id,
        record: usage ? (event) => usage.record(context, event) : undefined,
      });
      return reply.code(result.status === 'created' ? 201 : 200).send(result);
    },
  });

  app.get('/workspaces/:id/documents/jobs/:jobId', {
    config: { access: access.workspace('documents:write') },
    schema: {
      tags,
      summary: 'The status of a background upload: queued, running, succeeded (with the result) or failed (with the error)',
      params: jobParamsSchema,
      response: { 200: ingestionJobSchema },
    },
    handler: async (request) => ingestionJobs.get(workspaceContextOf(request), request.params.jobId),
  });

  app.get('/workspaces/:id/documents', {
    config: { access: access.workspace('search', 'documents:write') },
    schema: {
      tags,
      summary: "List a workspace's documents, oldest first",
      params: idParamsSchema,
      querystring: pageQuerySchema,
      response: { 200: pageSchema(documentSummarySchema) },
    },
    handler: async (request) => listDocuments(database, workspaceContextOf(request), request.query),
  });

  app.get('/workspaces/:id/documents/:docId', {
    config: { access: access.workspace('search', 'documents:write') },
    schema: {
      tags,
      summary: 'Get a document, with its chunks on request',
      params: documentParamsSchema,
      querystring: documentQuerySchema,
      response: { 200: documentDetailsSchema },
    },
    handler: async (request) =>
      getDocument(database, workspaceContextOf(request), request.params.docId, { includeChunks: request.query.include === 'chunks' }),
  });

  app.delete('/workspaces/:id/documents/:docId', {
    config: { access: access.workspace('documents:write') },
    schema: {
      tags,
      summary: 'Delete a document, its chunks and its knowledge-graph facts',
      params: documentParamsSchema,
      response: { 204: noContentSchema },
    },
    handler: async (request, reply) => {
      await deleteDocument(ingestion, workspaceContextOf(request), request.params.docId);
      return reply.code(204).send();
    },
  });
};
