// get_entity_relationships: what an entity is connected to, up to a few hops away.
import { tool } from '@langchain/core/tools';
import { z } from 'zod';
import { getEntityRelationships, type GraphSearchDependencies } from '../../graph/graph-search.ts';
import { readToolContext } from '../tool-context.ts';
import { plural, toolOutput } from '../tool-summary.ts';
import { factArtifacts, formatFact, graphUnavailableOutput, unlessGraphUnavailable } from './graph-facts.ts';

const name = 'get_entity_relationships';

export function createEntityRelationshipsTool(dependencies: GraphSearchDependencies) {
  return tool(
    async (input: { entity_name: string; depth?: number }, config) => {
      const { workspaceContext } = readToolContext(config, name);
      const result = await unlessGraphUnavailable(getEntityRelationships(dependencies, workspaceContext, input.entity_name, input.depth ?? 1));
      if (!result) return graphUnavailableOutput();
      if (!result.entity) {
        return toolOutput(`No entity named "${input.entity_name}" in the knowledge graph.`, { summary: 'entity not found' });
      }
      const neighbours = result.entities.filter((entity) => entity.distance > 0).map((entity) => `${entity.name} (${entity.type}, ${plural(entity.distance, 'hop')})`);
      const text = [
        `${result.entity.name} (${result.entity.type}): ${result.entity.summary}`,
        `Connected to: ${neighbours.join(', ') || 'nothing'}`,
        'Facts:',
        ...result.facts.map(formatFact),
      ].join('\n');
      return toolOutput(text, { summary: `${plural(neighbours.length, 'related entity', 'related entities')}, ${plural(result.facts.length, 'fact')}`, facts: factArtifacts(result.facts) });
    },
    {
      name,
      description: 'List the relationships of a named entity (person, organisation, product, place) in this workspace.',
      schema: z.object({
        entity_name: z.string().min(1).max(300).describe('The entity name'),
        depth: z.number().int().min(1).max(3).optional().describe('How many hops to follow (default 1)'),
      }),
      responseFormat: 'content_and_artifact',
    },
  );
}
