// hybrid_search: BM25 keywords and embeddings fused by rank: the best default for questions.
import { hybridSearch } from '../../search/hybrid-search.ts';
import type { SearchDependencies } from '../../search/search-request.ts';
import { createPassageSearchTool } from './passage-search-tool.ts';

export function createHybridSearchTool(dependencies: SearchDependencies) {
  return createPassageSearchTool(
    'hybrid_search',
    "Search this workspace's documents by keywords and meaning together. Use it first for most questions.",
    (context, request) => hybridSearch(dependencies, context, request),
  );
}
