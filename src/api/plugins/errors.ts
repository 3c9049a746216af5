// One error shape for every failure: {"error": {"code", "message", "details"}}. Known errors keep
// their code and status; anything else is a 500 whose body carries only the request id, while the
// log line carries the error and its stack.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import {
  conflict,
  internalError,
  isUniqueViolation,
  payloadTooLarge,
  RagspaceError,
  routeNotFound,
  unsupportedMediaType,
  validationError,
} from '../../errors.ts';
import type { ErrorResponse } from '../schemas/common.ts';

/** Fastify and plugin errors that are the client's doing, by Fastify error code. */
const clientErrorCodes: Record<string, (error: FastifyError, bodyLimitBytes: number) => RagspaceError> = {
  FST_ERR_CTP_BODY_TOO_LARGE: (_error, limit) =>
    payloadTooLarge(`The request body exceeds the limit of ${limit} bytes`, { limitBytes: limit }),
  FST_REQ_FILE_TOO_LARGE: (_error, limit) =>
    payloadTooLarge(`The uploaded file exceeds the limit of ${limit} bytes`, { limitBytes: limit }),
  FST_PARTS_LIMIT: (error) => payloadTooLarge(error.message),
  FST_FILES_LIMIT: (error) => payloadTooLarge(error.message),
  FST_FIELDS_LIMIT: (error) => payloadTooLarge(error.message),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: (error) =>
    unsupportedMediaType(`${error.message}. Send application/json (document uploads also accept multipart/form-data)`),
  FST_ERR_CTP_INVALID_JSON_BODY: () => validationError('The request body is not valid JSON'),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => validationError('The request body is empty but Content-Type says JSON; send a JSON body or no Content-Type'),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => validationError('Content-Length does not match the body'),
  FST_INVALID_MULTIPART_CONTENT_TYPE: () => unsupportedMediaType('Expected a multipart/form-data request'),
};

/** Maps any thrown value to a client-safe RagspaceError (or null for an unexpected server error). */
export function toClientError(error: unknown, bodyLimitBytes: number): RagspaceError | null {
  if (error instanceof RagspaceError) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const context = (error as { validationContext?: string }).validationContext ?? 'body';
    const details = error.validation.map((issue) => ({
      path: [context, ...issue.instancePath.split('/').filter(Boolean)].join('.'),
      message: issue.message,
    }));
    const summary = details.map((detail) => `${detail.path}: ${detail.message}`).join('; ');
    return validationError(`Invalid request: ${summary}`, details);
  }
  if (isUniqueViolation(error)) return conflict('This conflicts with an existing resource');
  const fastifyError = error as Partial<FastifyError> | null;
  const code = fastifyError?.code;
  if (code && clientErrorCodes[code]) return clientErrorCodes[code](error as FastifyError, bodyLimitBytes);
  if (error instanceof Error && isResponseSerializationError(error as FastifyError)) return null;
  const status = fastifyError?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500 && typeof fastifyError?.message === 'string') {
    // Other framework-level client errors (e.g. a malformed URL): keep the status and Fastify's message.
    return new RagspaceError(status === 400 ? 'validation_error' : 'bad_request', status, fastifyError.message);
  }
  return null;
}

export function errorBody(error: RagspaceError): ErrorResponse {
  return { error: { code: error.code, message: error.message, details: error.details } };
}

/**
 * What the client is told about any failure: the client-safe error, or a 500 that carries only the
 * request id while the log line carries the error and its stack.
 */
export function clientErrorOf(error: unknown, request: FastifyRequest, bodyLimitBytes: number): RagspaceError {
  const clientError = toClientError(error, bodyLimitBytes);
  if (clientError) {
    if (clientError.statusCode >= 500) request.log.warn({ code: clientError.code }, clientError.message);
    return clientError;
  }
  request.log.error({ err: error, requestId: request.id }, 'request failed');
  return internalError(`Internal server error; quote request id ${request.id} when reporting it`, { requestId: request.id });
}

export interface ErrorHandlingOptions {
  /** The request body limit, quoted in 413 answers. */
  bodyLimitBytes: number;
}

/** The error and not-found handlers of the whole app: every failure leaves in one shape. */
export const errorHandlingPlugin = fastifyPlugin<ErrorHandlingOptions>(
  async (app, { bodyLimitBytes }) => {
    app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
      // The stack goes to the log, never to the client; the request id joins the two.
      const failure = clientErrorOf(error, request, bodyLimitBytes);
      return reply.code(failure.statusCode).send(errorBody(failure));
    });

    app.setNotFoundHandler((request, reply) => {
      const failure = routeNotFound(`No route ${request.method} ${request.url.split('?')[0]}`);
      return reply.code(404).send(errorBody(failure));
    });
  },
  { name: 'ragspace-errors', fastify: '5.x' },
);
