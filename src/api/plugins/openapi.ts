// OpenAPI generated from the same zod schemas that validate requests and responses: the document
// at /openapi.json and a browsable page at /docs. Every non-public route is documented with the
// two ways to send a key and the shared error response.
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fastifyPlugin from 'fastify-plugin';
import { createJsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { access } from '../access.ts';
import { errorResponseSchema } from '../schemas/common.ts';

export const docsPrefix = '/docs';

const security = [{ bearerAuth: [] }, { apiKeyHeader: [] }];

const zodTransform = createJsonSchemaTransform({ skipList: [] });
type TransformInput = Parameters<typeof zodTransform>[0];

/**
 * The zod transform, extended to bodies declared per content type (`body: { content: { type: { schema } } }`,
 * e.g. JSON or a multipart form): each content type's zod schema is converted on its own.
 */
function transformRouteSchema(document: TransformInput): ReturnType<typeof zodTransform> {
  const body = (document.schema as { body?: unknown } | undefined)?.body;
  if (!body || typeof body !== 'object' || !('content' in body) || body instanceof z.ZodType) return zodTransform(document);
  const { body: _body, ...rest } = document.schema as Record<string, unknown>;
  const transformed = zodTransform({ ...document, schema: rest } as TransformInput);
  const content: Record<string, { schema: unknown }> = {};
  for (const [contentType, entry] of Object.entries((body as { content: Record<string, { schema: z.ZodType }> }).content)) {
    const converted = zodTransform({ ...document, schema: { body: entry.schema } } as TransformInput);
    content[contentType] = { schema: (converted.schema as { body?: unknown }).body };
  }
  return { ...transformed, schema: { ...transformed.schema, body: { content } } } as ReturnType<typeof zodTransform>;
}

export interface OpenApiOptions {
  /** The API version shown in the document. */
  version: string;
}

export const openApiPlugin = fastifyPlugin<OpenApiOptions>(
  async (app, { version }) => {
    // Runs before the other onRoute hooks see the route, so documentation never depends on order.
    app.addHook('onRoute', (route) => {
      if (route.url.startsWith(docsPrefix) || route.url === '/openapi.json') return;
      const schema = (route.schema ??= {});
      const responses = ((schema as { response?: Record<string, unknown> }).response ??= {});
      responses['4XX'] ??= errorResponseSchema;
      responses['5XX'] ??= errorResponseSchema;
      const routeAccess = route.config?.access;
      if (routeAccess && routeAccess.kind !== 'public') (schema as { security?: unknown }).security ??= security;
    });

    await app.register(fastifySwagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'ragspace API',
          version,
          description: [
            'Multi-tenant RAG service. Send a key as `Authorization: Bearer <key>` or `X-API-Key: <key>`.',
            'Workspace keys (rsk_…) act only on their own workspace (`/workspaces/{id}/…` with any other id answers 403 workspace_mismatch)',
            'and only with their scopes (chat, search, documents:write, admin; admin implies the others).',
            'Organization admin keys (rso_…) administer every workspace of their organization; the platform admin key administers everything.',
            'Every error is `{"error": {"code", "message", "details"}}`.',
          ].join(' '),
        },
        components: {
          securitySchemes: {
            bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key: rsk_… (workspace), rso_… (organization admin) or the platform admin key' },
            apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
          },
        },
      },
      transform: transformRouteSchema,
      transformObject: jsonSchemaTransformObject,
    });

    await app.register(fastifySwaggerUi, { routePrefix: docsPrefix, staticCSP: true });

    app.get('/openapi.json', { schema: { hide: true }, config: { access: access.public() } }, async () => app.swagger());
  },
  { name: 'ragspace-openapi', fastify: '5.x', dependencies: ['ragspace-authentication'] },
);
