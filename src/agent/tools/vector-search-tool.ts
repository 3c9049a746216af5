// vector_search: passages whose meaning is closest to the query (embeddings, exact within the workspace).
import { vectorSearch } from '../../search/vector-search.ts';
import type { SearchDependencies } from '../../search/search-request.ts';
import { createPassageSearchTool } from './passage-search-tool.ts';

export function createVectorSearchTool(dependencies: SearchDependencies) {
  return createPassageSearchTool(
    'vector_search',
    "Semantic search over this workspace's documents: finds passages similar in meaning to the query.",
    (context, request) => vectorSearch(dependencies, context, request),
  );
}
