// graph_search: facts of this workspace's knowledge graph that match the query, with their neighbours.
import { tool } from '@langchain/core/tools';
import { z } from 'zod';
import { graphSearch, type GraphSearchDependencies } from '../../graph/graph-search.ts';
import { readToolContext } from '../tool-context.ts';
import { plural, toolOutput } from '../tool-summary.ts';
import { factArtifacts, formatFact, graphUnavailableOutput, unlessGraphUnavailable } from './graph-facts.ts';
import { maximumToolQueryLength } from './search-tool-input.ts';

const name = 'graph_search';

export function createGraphSearchTool(dependencies: GraphSearchDependencies) {
  return tool(
    async (input: { query: string; limit?: number }, config) => {
      const { workspaceContext } = readToolContext(config, name);
      const result = await unlessGraphUnavailable(graphSearch(dependencies, workspaceContext, { query: input.query, limit: input.limit ?? 10 }));
      if (!result) return graphUnavailableOutput();
      const entities = result.entities.map((entity) => `${entity.name} (${entity.type})`).join(', ');
      const text = result.facts.length === 0 ? 'No matching facts in the knowledge graph.' : [`Entities: ${entities}`, 'Facts:', ...result.facts.map(formatFact)].join('\n');
      return toolOutput(text, { summary: `${plural(result.facts.length, 'fact')} about ${plural(result.entities.length, 'entity', 'entities')}`, facts: factArtifacts(result.facts) });
    },
    {
      name,
      description: "Search this workspace's knowledge graph for facts (who did what, relations between people, organisations, products).",
      schema: z.object({
        query: z.string().min(1).max(maximumToolQueryLength).describe('What to look for'),
        limit: z.number().int().min(1).max(50).optional().describe('How many facts (default 10)'),
      }),
      responseFormat: 'content_and_artifact',
    },
  );
}
