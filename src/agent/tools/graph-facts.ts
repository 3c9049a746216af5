// How graph facts read to a model: one line each, with direction, validity and provenance.
import type { FactView } from '../../graph/model.ts';

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
