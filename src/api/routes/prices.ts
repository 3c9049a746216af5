// /prices: the price table usage is costed from (platform admin). US dollars per million tokens,
// per model; a change applies to usage recorded from then on.
import { deletePrice, listPrices, setPrices } from '../../tenancy/prices.ts';
import { access } from '../access.ts';
import type { RouteModule } from '../route-module.ts';
import { noContentSchema } from '../schemas/common.ts';
import { priceBodySchema, priceParamsSchema, priceSchema } from '../schemas/usage.ts';
import { z } from 'zod';

const tags = ['usage'];

export const priceRoutes: RouteModule = async (app, { runtime }) => {
  const { database } = runtime;

  app.get('/prices', {
    config: { access: access.platformAdmin() },
    schema: { tags, summary: 'The price table (platform admin)', response: { 200: z.object({ items: z.array(priceSchema) }) } },
    handler: async () => ({ items: await listPrices(database) }),
  });

  app.put('/prices/:model', {
    config: { access: access.platformAdmin() },
    schema: {
      tags,
      summary: "Set a model's prices (platform admin)",
      params: priceParamsSchema,
      body: priceBodySchema,
      response: { 200: priceSchema },
    },
    handler: async (request) => (await setPrices(database, { [request.params.model]: request.body }))[0]!,
  });

  app.delete('/prices/:model', {
    config: { access: access.platformAdmin() },
    schema: { tags, summary: "Remove a model's prices (platform admin)", params: priceParamsSchema, response: { 204: noContentSchema } },
    handler: async (request, reply) => {
      await deletePrice(database, request.params.model);
      return reply.code(204).send();
    },
  });
};
