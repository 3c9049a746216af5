// The Fastify application. Routes receive the Runtime; nothing here opens databases itself.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { migrationsAreCurrent } from '../db/migrations.ts';
import type { Runtime } from '../runtime.ts';

export async function buildApp(runtime: Runtime): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: runtime.logger as FastifyBaseLogger,
    bodyLimit: runtime.config.bodyLimitBytes,
  });

  app.get('/health', async () => ({ status: 'ok' }));

  app.get('/ready', async (_request, reply) => {
    const ready = await migrationsAreCurrent(runtime.database).catch(() => false);
    if (!ready) {
      return reply.code(503).send({ error: { code: 'not_ready', message: 'Database unreachable or migrations pending' } });
    }
    return { status: 'ready' };
  });

  return app;
}
