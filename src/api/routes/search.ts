// POST /workspaces/:id/search: vector, BM25 text or hybrid (fused) search over the
// workspace named by the key. The body carries the query and filters, never a workspace.
import { z } from 'zod';
import { search } from '../../search/search.ts';
import { access } from '../access.ts';
import { workspaceContextOf } from '../plugins/authentication.ts';
import type { RouteModule } from '../route-module.ts';
import { idParamsSchema } from '../schemas/common.ts';
import { searchBodySchema, searchHitSchema } from '../schemas/documents.ts';

export const searchResponseSchema = z
  .object({
    mode: z.enum(['vector', 'text', 'hybrid']),
    hits: z.array(searchHitSchema),
  })
  .meta({ id: 'SearchResult' });

export const searchRoutes: RouteModule = async (app, { runtime }) => {
  const dependencies = { database: runtime.database, embedder: runtime.embedder };

  app.post('/workspaces/:id/search', {
    config: { access: access.workspace('search') },
    schema: {
      tags: ['search'],
      summary: "Search the workspace's documents",
      description:
        'text: per-workspace BM25; vector: exact cosine similarity; hybrid: both, fused by weighted reciprocal rank. Scores depend only on this workspace\'s data.',
      params: idParamsSchema,
      body: searchBodySchema,
      response: { 200: searchResponseSchema },
    },
    handler: async (request) => {
      const { mode, query, limit, filters } = request.body;
      const hits = await search(dependencies, workspaceContextOf(request), mode, { query, limit, filters });
      return { mode, hits };
    },
  });
};
