// One entry point for the three search modes (the CLI, the API and the agent's tool choose by name).
import type { WorkspaceContext } from '../tenancy/workspace-context.ts';
import { hybridSearch, type HybridOptions } from './hybrid-search.ts';
import type { SearchDependencies, SearchHit, SearchRequest } from './search-request.ts';
import { textSearch } from './text-search.ts';
import { vectorSearch } from './vector-search.ts';

export const searchModes = ['hybrid', 'text', 'vector'] as const;
export type SearchMode = (typeof searchModes)[number];

export function search(
  dependencies: SearchDependencies,
  context: WorkspaceContext,
  mode: SearchMode,
  request: SearchRequest,
  hybridOptions?: HybridOptions,
): Promise<SearchHit[]> {
  switch (mode) {
    case 'text':
      return textSearch(dependencies, context, request);
    case 'vector':
      return vectorSearch(dependencies, context, request);
    case 'hybrid':
      return hybridSearch(dependencies, context, request, hybridOptions);
  }
}
