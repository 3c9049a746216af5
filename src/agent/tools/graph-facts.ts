// How graph facts read to a model: one line each, with direction, validity and provenance.
import { graphUnavailable, RagspaceError } from '../../errors.ts';
import type { FactView } from '../../graph/model.ts';
import { toolOutput } from '../tool-summary.ts';

export function formatFact(fact: FactView): string {
  const validity = [fact.validAt ? `valid from ${fact.validAt}` : '', fact.invalidAt ? `no longer true since ${fact.invalidAt}` : '']
    .filter(Boolean)
    .join(', ');
  const provenance = fact.documentIds.length > 0 ? `; documents: ${fact.documentIds.join(', ')}` : '';
  return `- ${fact.fact} (${fact.source.name} —${fact.relation}→ ${fact.target.name}${validity ? `; ${validity}` : ''}${provenance})`;
}

export function factArtifacts(facts: FactView[]): Array<{ fact: string; documentIds: string[] }> {
  return facts.map((fact) => ({ fact: fact.fact, documentIds: fact.documentIds }));
}

/** What a graph tool answers when the graph backend cannot be reached: the turn goes on without it, and says so. */
export function graphUnavailableOutput() {
  return toolOutput(
    'The knowledge graph is unavailable right now. Answer from the document search tools, and say that the knowledge graph could not be consulted.',
    { summary: 'knowledge graph unavailable', unavailable: true },
  );
}

/** The graph's answer, or undefined when the graph backend cannot be reached (other failures stay failures). */
export async function unlessGraphUnavailable<T>(read: Promise<T>): Promise<T | undefined> {
  try {
    return await read;
  } catch (error) {
    if (error instanceof RagspaceError && error.code === graphUnavailable.code) return undefined;
    throw error;
  }
}
