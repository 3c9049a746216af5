// text_search: BM25 keyword search over the workspace's own statistics, for exact terms, names and codes.
import type { SearchDependencies } from '../../search/search-request.ts';
import { textSearch } from '../../search/text-search.ts';
import { createPassageSearchTool } from './passage-search-tool.ts';

export function createTextSearchTool(dependencies: SearchDependencies) {
  return createPassageSearchTool(
    'text_search',
    "Keyword search (BM25) over this workspace's documents: best for exact terms, names, product codes and error messages.",
    (context, request) => textSearch(dependencies, context, request),
  );
}
