// /health: the process is up. /ready: the database answers and every migration is applied.
import { z } from 'zod';
import { migrationsAreCurrent } from '../../db/migrations.ts';
import { notReady } from '../../errors.ts';
import { access } from '../access.ts';
import type { RouteModule } from '../route-module.ts';

const tags = ['health'];

export const healthRoutes: RouteModule = async (app, { runtime }) => {
  app.get('/health', {
    config: { access: access.public() },
    schema: { tags, summary: 'Liveness: the process is up', response: { 200: z.object({ status: z.literal('ok') }) } },
    handler: async () => ({ status: 'ok' as const }),
  });

  app.get('/ready', {
    config: { access: access.public() },
    schema: {
      tags,
      summary: 'Readiness: the database is reachable and migrations are applied (503 otherwise)',
      response: { 200: z.object({ status: z.literal('ready') }) },
    },
    handler: async (request) => {
      const ready = await migrationsAreCurrent(runtime.database).catch((error: unknown) => {
        request.log.warn({ err: error }, 'readiness check failed');
        return false;
      });
      if (!ready) throw notReady('The database is unreachable or migrations are pending');
      return { status: 'ready' as const };
    },
  });
};
