// list_documents: what this workspace holds, a page at a time.
import { tool } from '@langchain/core/tools';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { listDocuments } from '../../ingestion/documents.ts';
import { readToolContext } from '../tool-context.ts';
import { plural, toolOutput } from '../tool-summary.ts';

const name = 'list_documents';

export function createListDocumentsTool(dependencies: { database: Database }) {
  return tool(
    async (input: { limit?: number; cursor?: string }, config) => {
      const { workspaceContext } = readToolContext(config, name);
      const page = await listDocuments(dependencies.database, workspaceContext, { limit: input.limit ?? 20, cursor: input.cursor });
      const lines = page.items.map((document) => `- ${document.title} (${document.source}) id=${document.id}, ${plural(document.chunkCount, 'passage')}`);
      const more = page.nextCursor ? `\nMore documents: call again with cursor "${page.nextCursor}".` : '';
      return toolOutput(lines.length > 0 ? `${lines.join('\n')}${more}` : 'This workspace has no documents.', {
        summary: `${plural(page.items.length, 'document')}${page.nextCursor ? ' (more available)' : ''}`,
      });
    },
    {
      name,
      description: "List this workspace's documents (title, source, id), 20 at a time.",
      schema: z.object({
        limit: z.number().int().min(1).max(100).optional().describe('How many (default 20)'),
        cursor: z.string().max(1000).optional().describe('The cursor from a previous call, for the next page'),
      }),
      responseFormat: 'content_and_artifact',
    },
  );
}
