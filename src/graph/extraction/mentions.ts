// Finds the names in a sentence (runs of capitalised words, typed from tags, name shapes and nearby
// nouns), the pronouns that may refer back to one, and the common noun phrase a verb takes as object.
import type { EntityType } from '../model.ts';
import { cleanDisplayName } from '../names.ts';
import {
  nameConnectors,
  organizationHeadWords,
  organizationLeadWords,
  organizationNounWords,
  personNounWords,
  placeNounWords,
  prepositions,
  productNounWords,
  referringExpressions,
  vagueNouns,
} from './entity-cues.ts';
import { endsPhrase, hasAnyTag, isCapitalized, type Sentence, type Token } from './sentence-tokens.ts';

export interface Mention {
  /** Token range [start, end). */
  start: number;
  end: number;
  kind: 'name' | 'reference' | 'concept';
  /** Display name (names and concepts) or the referring expression ("it", "the company"). */
  text: string;
  typeHint: EntityType | null;
}

const excludedNameTags = ['Pronoun', 'Determiner', 'Preposition', 'Conjunction', 'Month', 'WeekDay', 'Adverb', 'QuestionWord'];
const nameTags = ['ProperNoun', 'Person', 'Place', 'Organization'];

export interface DocumentCasing {
  /** Words written with a capital inside sentences (so a name at a sentence start is recognised). */
  properWords: ReadonlySet<string>;
  /** Words also written in lower case: capitalised alone they are a label or a heading, not a name. */
  commonWords: ReadonlySet<string>;
}

export function collectCasing(sentences: Sentence[]): DocumentCasing {
  const properWords = new Set<string>();
  const commonWords = new Set<string>();
  for (const sentence of sentences) {
    sentence.tokens.forEach((token, index) => {
      if (!isCapitalized(token)) commonWords.add(token.normal);
      else if (index > 0 && !hasAnyTag(token, ...excludedNameTags)) properWords.add(token.normal);
    });
  }
  return { properWords, commonWords };
}

function isNameToken(tokens: Token[], index: number, { properWords }: DocumentCasing): boolean {
  const token = tokens[index]!;
  if (!isCapitalized(token) || hasAnyTag(token, ...excludedNameTags)) return false;
  if (token.tags.has('Verb') && !hasAnyTag(token, ...nameTags)) return false;
  if (token.tags.has('Date') && !token.tags.has('ProperNoun')) return false;
  if (index > 0) return true;
  // At the start of a sentence every word is capitalised: ask for more evidence.
  const next = tokens[1];
  return (
    hasAnyTag(token, ...nameTags) ||
    properWords.has(token.normal) ||
    (next !== undefined && !endsPhrase(token) && isCapitalized(next) && !hasAnyTag(next, ...excludedNameTags))
  );
}

function nameFromTokens(tokens: Token[]): string {
  const words = tokens.filter((token) => !token.tags.has('Honorific')).map((token) => token.text);
  const last = words.length - 1;
  if (last >= 0) words[last] = words[last]!.replace(/['’]s$/u, '');
  return cleanDisplayName(words.join(' '));
}

function typeFromName(tokens: Token[]): EntityType | null {
  const words = tokens.map((token) => token.normal.replace(/['’]s$/u, '').replace(/\.$/, ''));
  if (organizationLeadWords.has(words[0]!) || organizationHeadWords.has(words[words.length - 1]!)) return 'organization';
  if (tokens.some((token) => token.tags.has('Organization'))) return 'organization';
  if (tokens.some((token) => token.tags.has('Person') || token.tags.has('Honorific'))) return 'person';
  if (tokens.some((token) => token.tags.has('Place'))) return 'place';
  return null;
}

function typeFromNoun(word: string): EntityType | null {
  if (personNounWords.has(word)) return 'person';
  if (organizationNounWords.has(word)) return 'organization';
  if (placeNounWords.has(word)) return 'place';
  if (productNounWords.has(word)) return 'product';
  return null;
}

/** "Helix Vision, a startup …" / "the startup Helix Vision" / "CEO Maria Chen": the noun beside a name tells its type. */
function typeFromNeighbours(tokens: Token[], start: number, end: number): EntityType | null {
  const last = tokens[end - 1]!;
  if (/,/.test(last.post)) {
    let index = end;
    if (tokens[index] && hasAnyTag(tokens[index]!, 'Determiner')) index += 1;
    let head: string | null = null;
    for (; index < tokens.length && index < end + 6; index += 1) {
      const token = tokens[index]!;
      if (prepositions.has(token.normal) || token.tags.has('Verb')) break;
      if (token.tags.has('Noun')) head = token.root;
      if (endsPhrase(token)) break;
    }
    const type = head ? typeFromNoun(head) : null;
    if (type) return type;
  }
  let index = start - 1;
  if (index >= 0 && hasAnyTag(tokens[index]!, 'Determiner')) index -= 1;
  const before = tokens[index];
  if (before && before.tags.has('Noun') && !before.tags.has('Pronoun')) return typeFromNoun(before.root);
  return null;
}

export function findNameMentions(sentence: Sentence, casing: DocumentCasing): Mention[] {
  const tokens = sentence.tokens;
  const mentions: Mention[] = [];
  let index = 0;
  while (index < tokens.length) {
    if (!isNameToken(tokens, index, casing)) {
      index += 1;
      continue;
    }
    const start = index;
    let end = index + 1;
    while (end < tokens.length) {
      const previous = tokens[end - 1]!;
      if (endsPhrase(previous) || /['’]s$/u.test(previous.text)) break;
      const token = tokens[end]!;
      if (isNameToken(tokens, end, casing)) {
        end += 1;
      } else if (nameConnectors.has(token.normal) && !endsPhrase(token) && tokens[end + 1] && isNameToken(tokens, end + 1, casing)) {
        end += 2;
      } else if (token.tags.has('NumericValue') && !token.tags.has('Year')) {
        end += 1; // "Falcon 9", "Model 3"
      } else break;
    }
    const span = tokens.slice(start, end);
    const text = nameFromTokens(span);
    // A lone capitalised word the document also writes in lower case ("Settings", "Billing") is not a name.
    const commonAlone = span.length === 1 && casing.commonWords.has(span[0]!.normal) && !hasAnyTag(span[0]!, ...nameTags);
    if (text.length > 1 && !commonAlone && !span.every((token) => token.tags.has('Honorific'))) {
      mentions.push({ start, end, kind: 'name', text, typeHint: typeFromName(span) ?? typeFromNeighbours(tokens, start, end) });
    }
    index = end;
  }
  return mentions;
}

/** A pronoun or definite description ("it", "she", "the company") at `index`, not inside a name. */
export function findReferenceAt(tokens: Token[], index: number): Mention | null {
  const token = tokens[index];
  if (!token) return null;
  const next = tokens[index + 1];
  if (token.normal === 'the' && next && referringExpressions.has(`the ${next.root}`) && !/['’]s$/u.test(next.text)) {
    return { start: index, end: index + 2, kind: 'reference', text: `the ${next.root}`, typeHint: null };
  }
  if (token.tags.has('Pronoun') && referringExpressions.has(token.normal)) {
    return { start: index, end: index + 1, kind: 'reference', text: token.normal, typeHint: null };
  }
  return null;
}

const leadingFillers = new Set(['new', 'other', 'many', 'several', 'some', 'more', 'most', 'first', 'own', 'various', 'further']);

/** The common noun phrase starting at `index` ("camera systems", "a warehouse automation company"), if any. */
export function findConceptAt(tokens: Token[], index: number, stop: number): Mention | null {
  let start = index;
  while (start < stop && (hasAnyTag(tokens[start]!, 'Determiner', 'Possessive') || tokens[start]!.tags.has('Pronoun'))) {
    if (tokens[start]!.tags.has('Pronoun') && !tokens[start]!.tags.has('Possessive')) return null;
    start += 1;
  }
  while (start < stop && leadingFillers.has(tokens[start]!.normal)) start += 1;
  let end = start;
  while (end < stop) {
    const token = tokens[end]!;
    const nounLike = token.tags.has('Noun') && !hasAnyTag(token, 'Pronoun', 'Date', 'Value', 'ProperNoun');
    if (!(nounLike || token.tags.has('Adjective')) || isCapitalized(token)) break;
    end += 1;
    if (endsPhrase(token)) break;
  }
  while (end > start && !tokens[end - 1]!.tags.has('Noun')) end -= 1;
  if (end === start || end - start > 4) return null;
  const span = tokens.slice(start, end);
  const head = span[span.length - 1]!;
  if (vagueNouns.has(head.normal) || vagueNouns.has(head.root)) return null;
  const words = span.map((token, position) => (position === span.length - 1 ? head.root : token.normal));
  const text = cleanDisplayName(words.join(' '));
  if (text.length < 3) return null;
  return { start, end, kind: 'concept', text, typeHint: 'concept' };
}
