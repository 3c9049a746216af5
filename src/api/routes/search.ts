// POST /workspaces/:id/search: vector, BM25 text, hybrid (fused) or knowledge-graph search over the
// workspace named by the key. The body carries the query and filters, never a workspace.
import { z } from 'zod';
import { validationError } from '../../errors.ts';
import { graphSearch } from '../../graph/graph-search.ts';
import { search } from '../../search/search.ts';
import { access } from '../access.ts';
import { workspaceContextOf } from '../plugins/authentication.ts';
import type { RouteModule } from '../route-module.ts';
import { idParamsSchema } from '../schemas/common.ts';
import { graphEntitySchema, graphFactSchema, searchBodySchema, searchHitSchema } from '../schemas/documents.ts';

export const searchResponseSchema = z
  .discriminatedUnion('mode', [
    z.object({ mode: z.enum(['vector', 'text', 'hybrid']), hits: z.array(searchHitSchema) }),
    z.object({
      mode: z.literal('graph'),
      facts: z.array(graphFactSchema),
      entities: z.array(graphEntitySchema).describe('Entities the query named, and those around the facts'),
    }),
  ])
  .meta({ id: 'SearchResult' });

export const searchRoutes: RouteModule = async (app, { runtime }) => {
  const chunkSearch = { database: runtime.database, embedder: runtime.embedder };
  const factSearch = { store: runtime.graphStore, embedder: runtime.embedder };

  app.post('/workspaces/:id/search', {
    config: { access: access.workspace('search') },
    schema: {
      tags: ['search'],
      summary: "Search the workspace's documents or knowledge graph",
      description: [
        "text: per-workspace BM25; vector: cosine similarity (exact, or the workspace's own HNSW index when it is large); hybrid: both, fused by weighted, best-score-normalised scores (hits are chunks).",
        'graph: facts of the workspace knowledge graph, by BM25, embedding and the neighbourhood of the entities the query names (no filters, limit ≤ 50).',
        "Scores depend only on this workspace's data.",
      ].join(' '),
      params: idParamsSchema,
      body: searchBodySchema,
      response: { 200: searchResponseSchema },
    },
    handler: async (request) => {
      const { mode, query, limit, filters, currentOnly } = request.body;
      const context = workspaceContextOf(request);
      if (mode === 'graph') {
        // Refused rather than ignored: a caller who filters must not get unfiltered facts.
        if (filters) throw validationError('filters apply to document search; graph mode does not take them', [{ path: 'body.filters', message: 'not supported in graph mode' }]);
        const result = await graphSearch(factSearch, context, { query, limit, currentOnly });
        return { mode, facts: result.facts, entities: result.entities };
      }
      if (currentOnly !== undefined) {
        throw validationError('currentOnly applies to graph mode only', [{ path: 'body.currentOnly', message: 'only in graph mode' }]);
      }
      return { mode, hits: await search(chunkSearch, context, mode, { query, limit, filters }) };
    },
  });
};
