// get_entity_timeline: the facts about an entity in the order they became true.
import { tool } from '@langchain/core/tools';
import { z } from 'zod';
import { getEntityTimeline, type GraphSearchDependencies } from '../../graph/graph-search.ts';
import { readToolContext } from '../tool-context.ts';
import { plural, toolOutput } from '../tool-summary.ts';
import { factArtifacts, formatFact, graphUnavailableOutput, unlessGraphUnavailable } from './graph-facts.ts';

const name = 'get_entity_timeline';

export function createEntityTimelineTool(dependencies: GraphSearchDependencies) {
  return tool(
    async (input: { entity_name: string }, config) => {
      const { workspaceContext } = readToolContext(config, name);
      const result = await unlessGraphUnavailable(getEntityTimeline(dependencies, workspaceContext, input.entity_name));
      if (!result) return graphUnavailableOutput();
      if (!result.entity) {
        return toolOutput(`No entity named "${input.entity_name}" in the knowledge graph.`, { summary: 'entity not found' });
      }
      const text = [`Timeline of ${result.entity.name} (${result.entity.type}):`, ...result.facts.map(formatFact)].join('\n');
      return toolOutput(text, { summary: `${plural(result.facts.length, 'fact')} about ${result.entity.name}`, facts: factArtifacts(result.facts) });
    },
    {
      name,
      description: 'The history of a named entity in this workspace: its facts ordered by when they held.',
      schema: z.object({ entity_name: z.string().min(1).max(300).describe('The entity name') }),
      responseFormat: 'content_and_artifact',
    },
  );
}
