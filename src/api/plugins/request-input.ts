// The edge of every request (README "Text and JSON rules"): a JSON body must be UTF-8, nest at most
// maximumJsonDepth levels and follow the text rule of well-formed-text.ts, and so must every path
// and query parameter. Parameters are checked in onRequest, before authentication; bodies when
// they are parsed, after it. Either way nothing that breaks the rule reaches a schema, a service
// or the database. (Multipart text fields are read by their route, which applies the same rule.)
import { isUtf8 } from 'node:buffer';
import fastifyPlugin from 'fastify-plugin';
import { validationError } from '../../errors.ts';
import { findIllFormedInput, type IllFormedInput } from '../../well-formed-text.ts';

export function illFormedInputError(problem: IllFormedInput) {
  return validationError(`Invalid request: ${problem.path}: ${problem.message}`, [problem]);
}

/** Throws a validation error when a value from outside breaks the text rule. */
export function requireWellFormedInput(value: unknown, root: string): void {
  const problem = findIllFormedInput(value, root);
  if (problem) throw illFormedInputError(problem);
}

export const requestInputPlugin = fastifyPlugin(
  async (app) => {
    // Fastify's own parser (prototype-poisoning checks included), behind the checks it lacks.
    const parseJson = app.getDefaultJsonParser('error', 'error');
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
      const bytes = body as Buffer;
      // Decoding would quietly turn invalid bytes into U+FFFD; refuse them instead.
      if (!isUtf8(bytes)) return done(validationError('The request body is not valid UTF-8'), undefined);
      parseJson(request, bytes.toString('utf8'), (error, value) => {
        if (error) return done(error, undefined);
        const problem = findIllFormedInput(value, 'body');
        if (problem) return done(illFormedInputError(problem), undefined);
        done(null, value);
      });
    });

    app.addHook('onRequest', async (request) => {
      requireWellFormedInput(request.params, 'params');
      requireWellFormedInput(request.query, 'querystring');
    });
  },
  { name: 'ragspace-request-input', fastify: '5.x', dependencies: ['ragspace-errors'] },
);
