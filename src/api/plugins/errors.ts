// One error shape for every failure: {"error": {"code", "message", "details"}}. Known errors keep
// their code and status; anything else is a 500 whose body carries only the request id, while the
// log line carries the error and its stack. Errors raised before a route runs (a URL the router
// cannot decode, a request Node's HTTP parser cannot read, a timeout) use the same shape: see
// frameworkErrorHandler and clientErrorHandler, which buildApp hands to Fastify.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import {
  badRequest,
  conflict,
  headersTooLarge,
  internalError,
  isUniqueViolation,
  payloadTooLarge,
  RagspaceError,
  requestTimeout,
  routeNotFound,
  unsupportedMediaType,
  uriTooLong,
  validationError,
} from '../../errors.ts';
import { clientErrorForDatabaseFailure } from '../../db/database-errors.ts';
import type { ErrorResponse } from '../schemas/common.ts';

/** The longest path parameter the router accepts (longer: 414); schemas set tighter bounds per parameter. */
export const maximumPathParameterLength = 1024;

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
  FST_ERR_BAD_URL: () => validationError('The URL has a percent-escape that does not decode to UTF-8 text'),
  FST_ERR_MAX_PARAM_LENGTH: () => uriTooLong(`A path parameter is longer than ${maximumPathParameterLength} characters`),
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
  // The database went away, filled its disk, or something the request refers to was deleted meanwhile.
  const databaseFailure = clientErrorForDatabaseFailure(error);
  if (databaseFailure) return databaseFailure;
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
    if (clientError.statusCode >= 500) {
      // A database or upstream failure: the log keeps the underlying error, the client gets the code.
      request.log.warn({ code: clientError.code, err: error instanceof RagspaceError ? undefined : error }, clientError.message);
    }
    return clientError;
  }
  request.log.error({ err: error, requestId: request.id }, 'request failed');
  return internalError(`Internal server error; quote request id ${request.id} when reporting it`, { requestId: request.id });
}

/** Fastify's frameworkErrors option: router failures (bad percent-escapes, over-long parameters) in the error shape. */
export function frameworkErrorHandler(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const known = toClientError(error, 0) ?? validationError(error.message);
  void reply.code(known.statusCode).send(errorBody(known));
}

/** What Node's HTTP parser reports, as the API's own error. */
function errorForClientError(error: NodeJS.ErrnoException): RagspaceError {
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return requestTimeout('The request was not received in time; send it faster or in full');
  if (error.code === 'HPE_HEADER_OVERFLOW') return headersTooLarge('The request headers are larger than the server accepts');
  return badRequest('The request could not be read as HTTP/1.1');
}

/**
 * Fastify's clientErrorHandler: Node's HTTP server rejects a request before Fastify sees it (a
 * timeout, oversized or malformed headers). Answers in the error shape and closes the connection.
 */
export function clientErrorHandler(this: FastifyInstance, error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const failure = errorForClientError(error);
  this.log.debug({ code: error.code }, `client error: ${failure.code}`);
  if (socket.writable) {
    const body = JSON.stringify(errorBody(failure));
    socket.write(
      `HTTP/1.1 ${failure.statusCode} ${STATUS_CODES[failure.statusCode]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
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
