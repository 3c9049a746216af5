// get_document: one document of this workspace, with its passages (bounded), by id.
import { tool } from '@langchain/core/tools';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { getDocument } from '../../ingestion/documents.ts';
import { CitationRegistry, formatChunksForModel, type CitableChunk } from '../citations.ts';
import { readToolContext } from '../tool-context.ts';
import { plural, toolOutput } from '../tool-summary.ts';

const name = 'get_document';
// Enough of a long document to read its beginning without flooding the model's context.
const maximumCharacters = 12_000;

export function createGetDocumentTool(dependencies: { database: Database }) {
  return tool(
    async (input: { document_id: string }, config) => {
      const { workspaceContext, citationRegistry = new CitationRegistry() } = readToolContext(config, name);
      const document = await getDocument(dependencies.database, workspaceContext, input.document_id, { includeChunks: true });
      const chunks: CitableChunk[] = [];
      let characters = 0;
      for (const chunk of document.chunks ?? []) {
        if (characters + chunk.content.length > maximumCharacters && chunks.length > 0) break;
        characters += chunk.content.length;
        chunks.push({ chunkId: chunk.id, documentId: document.id, title: document.title, source: document.source, headingPath: chunk.headingPath, content: chunk.content });
      }
      const truncated = chunks.length < (document.chunks?.length ?? 0);
      const header = `Document "${document.title}" (${document.source}), ${plural(document.chunkCount, 'passage')}${truncated ? `, showing the first ${chunks.length}` : ''}:`;
      return toolOutput(`${header}\n\n${formatChunksForModel(chunks, citationRegistry)}`, {
        summary: `read "${document.title}" (${plural(chunks.length, 'passage')})`,
        chunks,
      });
    },
    {
      name,
      description: 'Read one document of this workspace by its id (ids come from search results or list_documents).',
      schema: z.object({ document_id: z.string().uuid().describe('The document id') }),
      responseFormat: 'content_and_artifact',
    },
  );
}
