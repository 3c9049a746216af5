// Relations that admit one value at a time, for the offline contradiction rule. "Leads" is exclusive
// on its target (an organisation has one leader); "based in" on its source (one headquarters).
// Matched on stemmed words, so "works for", "WORKS_FOR" and "worked for" are one relation.
import { stemmer } from 'stemmer';
import { normalizeText } from '../names.ts';

export interface RelationFamily {
  name: string;
  /** Which endpoint has only one partner in this family at a time. */
  exclusiveSide: 'source' | 'target';
}

const fillerWords = new Set(['is', 'be', 'are', 'was', 'were', 'been', 'a', 'an', 'the', 'has', 'have', 'had', 'its', 'their']);

export function stemRelation(relation: string): string {
  return normalizeText(relation.replace(/_/g, ' '))
    .split(' ')
    .filter((word) => word && !fillerWords.has(word))
    .map((word) => stemmer(word))
    .join(' ');
}

const familyPhrases: Array<RelationFamily & { phrases: string[] }> = [
  {
    name: 'leadership',
    exclusiveSide: 'target',
    phrases: [
      'lead', 'head', 'run', 'chair', 'ceo of', 'chief executive of', 'chief executive officer of', 'president of',
      'chairman of', 'chairwoman of', 'chair of', 'leader of', 'head of', 'managing director of',
    ],
  },
  {
    name: 'location',
    exclusiveSide: 'source',
    phrases: [
      'based in', 'headquartered in', 'located in', 'move headquarters to', 'move to', 'relocate to',
      'relocate headquarters to', 'live in', 'reside in', 'headquarters in',
    ],
  },
  {
    name: 'employer',
    exclusiveSide: 'source',
    phrases: ['join', 'work at', 'work for', 'employed by', 'hired by', 'employee of', 'employed at'],
  },
  { name: 'ownership', exclusiveSide: 'target', phrases: ['acquire', 'own', 'owner of', 'parent of', 'buy company'] },
];

const familyByStem = new Map<string, RelationFamily>();
for (const family of familyPhrases) {
  for (const phrase of family.phrases) familyByStem.set(stemRelation(phrase), { name: family.name, exclusiveSide: family.exclusiveSide });
}

export function relationFamily(relation: string): RelationFamily | null {
  return familyByStem.get(stemRelation(relation)) ?? null;
}
