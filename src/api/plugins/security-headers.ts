// Security headers (helmet) on every response, Cache-Control: no-store on every non-public one, and CORS only for the configured origins (off by default).
import fastifyCors from '@fastify/cors';
import fastifyHelmet from '@fastify/helmet';
import fastifyPlugin from 'fastify-plugin';

export interface SecurityHeadersOptions {
  /** Allowed CORS origins; none turns CORS off. */
  corsOrigins: readonly string[];
}

export const securityHeadersPlugin = fastifyPlugin<SecurityHeadersOptions>(
  async (app, { corsOrigins }) => {
    // The API docs page sets its own stricter-but-compatible CSP (swagger-ui staticCSP).
    await app.register(fastifyHelmet, { global: true });
    // Tenant data and new secrets must not be kept by a browser or proxy cache: only public routes may be cached.
    app.addHook('onSend', async (request, reply) => {
      if (request.routeOptions.config?.access?.kind !== 'public') reply.header('cache-control', 'no-store');
    });
    if (corsOrigins.length === 0) return;
    await app.register(fastifyCors, {
      origin: [...corsOrigins],
      methods: ['GET', 'POST', 'PATCH', 'DELETE'],
      allowedHeaders: ['Authorization', 'X-API-Key', 'Content-Type', 'X-Request-Id', 'X-Customer-Id'],
      exposedHeaders: ['X-Request-Id', 'Retry-After'],
      // Keys travel in headers, never cookies.
      credentials: false,
      maxAge: 600,
    });
  },
  { name: 'ragspace-security-headers', fastify: '5.x' },
);
