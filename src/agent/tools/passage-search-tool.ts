// vector_search and hybrid_search share one shape: a query in, numbered passages out.
import { tool } from '@langchain/core/tools';
import type { WorkspaceContext } from '../../tenancy/workspace-context.ts';
import { CitationRegistry, formatChunksForModel, type CitableChunk } from '../citations.ts';
import { readToolContext } from '../tool-context.ts';
import { plural, toolOutput } from '../tool-summary.ts';
import { defaultToolResultLimit, searchToolInput, type SearchToolInput } from './search-tool-input.ts';

export type PassageSearch = (
  context: WorkspaceContext,
  request: { query: string; limit: number; filters?: { documentIds?: string[] } },
) => Promise<CitableChunk[]>;

export function createPassageSearchTool(name: string, description: string, search: PassageSearch) {
  return tool(
    async (input: SearchToolInput, config) => {
      const { workspaceContext, citationRegistry = new CitationRegistry() } = readToolContext(config, name);
      const chunks = await search(workspaceContext, {
        query: input.query,
        limit: input.limit ?? defaultToolResultLimit,
        filters: input.document_ids ? { documentIds: input.document_ids } : undefined,
      });
      const documents = new Set(chunks.map((chunk) => chunk.documentId)).size;
      return toolOutput(formatChunksForModel(chunks, citationRegistry), {
        summary: `${plural(chunks.length, 'passage')} from ${plural(documents, 'document')}`,
        chunks,
      });
    },
    { name, description, schema: searchToolInput, responseFormat: 'content_and_artifact' },
  );
}
