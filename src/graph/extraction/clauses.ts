// Reads "who did what to whom" from a tagged sentence: verb groups, their subjects (skipping inserted
// phrases and prepositional objects), their objects, and a relation name built from the verb.
// Deterministic rules over compromise's tags: it misses what it cannot read rather than guessing.
import { hedges, prepositions } from './entity-cues.ts';
import { findConceptAt, type Mention } from './mentions.ts';
import { endsPhrase, hasAnyTag, type Sentence, type Token } from './sentence-tokens.ts';

export interface VerbGroup {
  start: number;
  end: number;
  main: Token;
  copulaOnly: boolean;
  passive: boolean;
  /** A lone participle after a common noun ("a company based in …"): its subject is that noun's referent. */
  participle: boolean;
  negated: boolean;
  hedged: boolean;
}

export interface ClauseFact {
  subject: Mention;
  object: Mention;
  relation: string;
  /** The verb group it came from (for dates); null for appositions. */
  group: VerbGroup | null;
}

const intentionVerbs = new Set(['plan', 'intend', 'aim', 'hope', 'want', 'expect', 'seek', 'try', 'consider', 'propose']);
const relativePronouns = new Set(['that', 'which', 'who', 'whom', 'whose', 'where']);
const insertionStarts = new Set(['a', 'an', 'the', 'who', 'which', 'whose', 'where']);
const coordinators = new Set(['and', 'but', 'or']);

/** A verb for clause reading; hyphenated words ("sign-in page") are parts of nouns. */
function isVerb(token: Token | undefined): boolean {
  return token !== undefined && token.tags.has('Verb') && !token.tags.has('Hyphenated');
}

export function findVerbGroups(tokens: Token[], covered: ReadonlySet<number>): VerbGroup[] {
  const groups: VerbGroup[] = [];
  let index = 0;
  while (index < tokens.length) {
    if (covered.has(index) || !isVerb(tokens[index])) {
      index += 1;
      continue;
    }
    const start = index;
    let end = index + 1;
    while (end < tokens.length && !covered.has(end) && !endsPhrase(tokens[end - 1]!)) {
      const token = tokens[end]!;
      if (isVerb(token)) end += 1;
      else if ((hasAnyTag(token, 'Adverb', 'Negative') || token.normal === 'to') && isVerb(tokens[end + 1]) && !covered.has(end + 1)) end += 2;
      else break;
    }
    index = end;
    const span = tokens.slice(start, end);
    const verbs = span.filter((token) => token.tags.has('Verb') && !token.tags.has('Particle'));
    if (verbs.length === 0) continue;
    const main = verbs[verbs.length - 1]!;
    const before = tokens[start - 1];
    // "for sorting lines": a gerund after a preposition or determiner is a noun.
    if (verbs.length === 1 && main.tags.has('Gerund') && before && (prepositions.has(before.normal) || before.tags.has('Determiner'))) continue;
    // "the IT service desk": a bare present-tense verb between a name and a noun is part of a compound noun.
    const after = tokens[end];
    if (
      verbs.length === 1 &&
      !hasAnyTag(main, 'PastTense', 'Copula', 'Auxiliary', 'Modal', 'Gerund') &&
      covered.has(start - 1) &&
      after?.tags.has('Noun') &&
      !hasAnyTag(after, 'Pronoun', 'ProperNoun', 'Determiner')
    ) {
      continue;
    }
    const copulaOnly = main.tags.has('Copula') && verbs.every((verb) => hasAnyTag(verb, 'Copula', 'Auxiliary', 'Modal'));
    const hasBe = verbs.some((verb) => verb.tags.has('Copula') || ['be', 'been', 'being'].includes(verb.normal));
    // "a company based in Rotterdam": a lone participle after a common noun or a comma reads as passive.
    const participle =
      verbs.length === 1 &&
      main.tags.has('PastTense') &&
      before !== undefined &&
      !covered.has(start - 1) &&
      (/,/.test(before.post) || (before.tags.has('Noun') && !hasAnyTag(before, 'ProperNoun', 'Pronoun')));
    groups.push({
      start,
      end,
      main,
      copulaOnly,
      passive: !copulaOnly && (main.tags.has('Passive') || (hasBe && main.tags.has('PastTense')) || participle),
      participle,
      negated: span.some((token) => token.tags.has('Negative') || ['not', "n't", 'never', 'cannot'].includes(token.normal)),
      hedged: span.some((token) => hedges.has(token.normal) || (intentionVerbs.has(token.root) && token !== main)),
    });
  }
  return groups;
}

/** Comma-delimited phrases inserted after a name ("Priya Raman, a researcher at Delft, advises …"): token index → phrase id. */
function findInsertions(tokens: Token[], mentions: Mention[]): Map<number, number> {
  const insertion = new Map<number, number>();
  for (const mention of mentions) {
    if (mention.kind !== 'name') continue;
    const last = tokens[mention.end - 1]!;
    const next = tokens[mention.end];
    if (!/,/.test(last.post) || !next || !insertionStarts.has(next.normal)) continue;
    for (let index = mention.end; index < tokens.length; index += 1) {
      insertion.set(index, mention.start);
      if (/,/.test(tokens[index]!.post)) break;
    }
  }
  return insertion;
}

function tokenBefore(tokens: Token[], index: number): Token | undefined {
  let position = index - 1;
  while (position >= 0 && hasAnyTag(tokens[position]!, 'Determiner', 'Adjective')) position -= 1;
  return tokens[position];
}

function findSubject(
  tokens: Token[],
  group: VerbGroup,
  mentions: Mention[],
  insertion: Map<number, number>,
  previousSubject: Mention | null,
): Mention | null {
  let position = group.start - 1;
  while (position >= 0 && hasAnyTag(tokens[position]!, 'Adverb')) position -= 1;
  const joiner = tokens[position];
  // "Open Share, then remove a person": a bare verb after a clause boundary is an instruction, with no named subject.
  const bare = group.main.tags.has('Infinitive') && !group.main.tags.has('PastTense') && group.start === group.main.index;
  if (bare && (!joiner || endsPhrase(joiner) || hasAnyTag(joiner, 'Conjunction', 'Adverb'))) return null;
  if (joiner && coordinators.has(joiner.normal) && previousSubject) return previousSubject;
  // "said the deal doubles the fleet": a common noun is the subject; no name is.
  const covered = mentions.some((mention) => mention.start <= position && position < mention.end);
  if (joiner && !covered && !group.participle && joiner.tags.has('Noun') && !hasAnyTag(joiner, 'Pronoun', 'ProperNoun', 'Date', 'Value')) {
    return null;
  }
  // "see who opened": a relative pronoun not attached to a name leaves the subject unknown.
  if (joiner && relativePronouns.has(joiner.normal)) {
    const antecedent = tokens[position - 1];
    const attached = mentions.some(
      (mention) => mention.kind === 'name' && (mention.end === position || (mention.end === position - 1 && /,/.test(tokens[mention.end - 1]!.post))),
    );
    if (!attached && !(antecedent && /,/.test(antecedent.post))) return null;
  }
  const groupInsertion = insertion.get(group.start);
  for (let index = mentions.length - 1; index >= 0; index -= 1) {
    const mention = mentions[index]!;
    if (mention.end > group.start || mention.kind === 'concept') continue;
    // "Business plan administrators can …": a name that modifies a following noun is not the subject.
    const next = tokens[mention.end];
    if (next && mention.end < group.start && !endsPhrase(tokens[mention.end - 1]!) && next.tags.has('Noun') && !hasAnyTag(next, 'Pronoun', 'ProperNoun')) {
      continue;
    }
    const mentionInsertion = insertion.get(mention.start);
    if (mentionInsertion !== undefined && mentionInsertion !== groupInsertion) continue;
    const before = tokenBefore(tokens, mention.start);
    // A prepositional object is not a subject, unless a verb follows it at once ("after Maria Chen stepped down").
    if (before && prepositions.has(before.normal) && mention.end !== group.start) continue;
    return mention;
  }
  return null;
}

interface ObjectSlot {
  mention: Mention;
  preposition: string | null;
  /** Words between the verb and a prepositional object ("moved its headquarters to" → headquarters). */
  between: string[];
}

function findObjects(
  tokens: Token[],
  group: VerbGroup,
  stop: number,
  names: Map<number, Mention>,
  insertion: Map<number, number>,
): ObjectSlot[] {
  const objects: ObjectSlot[] = [];
  let preposition: string | null = null;
  let between: string[] = [];
  const groupInsertion = insertion.get(group.start);
  for (let index = group.end; index < stop; index += 1) {
    const token = tokens[index]!;
    // A phrase inserted after a name belongs to that name, not to this verb.
    if (insertion.has(index) && insertion.get(index) !== groupInsertion) continue;
    const name = names.get(index);
    if (name) {
      // "after Maria Chen stepped down": a name right before the next verb is that verb's subject.
      if (name.end === stop && stop < tokens.length && tokens[stop]!.tags.has('Verb')) break;
      const firstName = !objects.some((slot) => slot.mention.kind === 'name');
      objects.push({ mention: name, preposition, between: firstName ? between : [] });
      index = name.end - 1;
      const next = tokens[name.end];
      // "by Maria Chen and Tomas Berg": coordinated objects share the preposition.
      if (!(next && coordinators.has(next.normal) && names.has(name.end + 1))) preposition = null;
      else index += 1;
      continue;
    }
    if (prepositions.has(token.normal) && !isVerb(tokens[index + 1])) {
      preposition = token.normal;
      continue;
    }
    if (objects.length === 0 && preposition === null) {
      const concept = findConceptAt(tokens, index, stop);
      if (concept) {
        objects.push({ mention: concept, preposition: null, between: [] });
        between = concept.text.split(' ');
        index = concept.end - 1;
        continue;
      }
    }
    if (preposition === null && hasAnyTag(token, 'Noun', 'Adjective') && !hasAnyTag(token, 'Pronoun', 'Date', 'Value')) {
      between.push(token.tags.has('Noun') ? token.root : token.normal);
    }
  }
  return objects;
}

function relationFor(group: VerbGroup, slot: ObjectSlot, hasNameObject: boolean): string | null {
  const preposition = slot.preposition ? [slot.preposition] : [];
  if (slot.mention.kind === 'concept') {
    // Common nouns only as direct objects, and only when the clause names nothing better.
    if (slot.preposition !== null || hasNameObject) return null;
    return group.copulaOnly ? 'is a' : group.passive ? null : group.main.root;
  }
  const between = slot.between.slice(-3);
  if (group.copulaOnly) return ['is', ...between, ...preposition].join(' ');
  if (group.passive) return [group.main.normal, ...preposition].join(' ');
  return [group.main.root, ...(slot.preposition ? between : []), ...preposition].join(' ');
}

/** Apposition with a role: "Priya Raman, a researcher at Delft University, …" → is researcher at. */
function appositionFacts(tokens: Token[], mentions: Mention[], names: Map<number, Mention>): ClauseFact[] {
  const facts: ClauseFact[] = [];
  for (const subject of mentions) {
    if (subject.kind !== 'name' || !/,/.test(tokens[subject.end - 1]!.post)) continue;
    let index = subject.end;
    if (!tokens[index] || !['a', 'an', 'the'].includes(tokens[index]!.normal)) continue;
    index += 1;
    const words: string[] = [];
    while (tokens[index] && hasAnyTag(tokens[index]!, 'Noun', 'Adjective') && !names.has(index) && !endsPhrase(tokens[index]!)) {
      words.push(tokens[index]!.tags.has('Noun') ? tokens[index]!.root : tokens[index]!.normal);
      index += 1;
    }
    const preposition = tokens[index];
    const object = names.get(index + 1);
    if (words.length === 0 || words.length > 3 || !preposition || !prepositions.has(preposition.normal) || !object) continue;
    facts.push({ subject, object, relation: ['is', ...words, preposition.normal].join(' '), group: null });
  }
  return facts;
}

/** The facts a sentence states between its mentions (names, resolved references, concepts as objects). */
export function readClauses(sentence: Sentence, mentions: Mention[]): { facts: ClauseFact[]; groups: VerbGroup[] } {
  const tokens = sentence.tokens;
  const covered = new Set<number>();
  const names = new Map<number, Mention>();
  for (const mention of mentions) {
    for (let index = mention.start; index < mention.end; index += 1) covered.add(index);
    if (mention.kind === 'name') names.set(mention.start, mention);
  }
  const groups = findVerbGroups(tokens, covered);
  const insertion = findInsertions(tokens, mentions);
  const facts: ClauseFact[] = appositionFacts(tokens, mentions, names);
  let previousSubject: Mention | null = null;
  groups.forEach((group, groupIndex) => {
    const subject = findSubject(tokens, group, mentions, insertion, previousSubject);
    previousSubject = subject;
    if (!subject || group.negated || group.hedged) return;
    let stop = groups[groupIndex + 1]?.start ?? tokens.length;
    const groupInsertion = insertion.get(group.start);
    for (let index = group.end; index < stop; index += 1) {
      const leavesInsertion = groupInsertion !== undefined && insertion.get(index) !== groupInsertion;
      if (relativePronouns.has(tokens[index]!.normal) || leavesInsertion) {
        stop = index;
        break;
      }
    }
    const objects = findObjects(tokens, group, stop, names, insertion);
    const hasNameObject = objects.some((slot) => slot.mention.kind === 'name');
    for (const slot of objects) {
      if (slot.mention === subject) continue;
      if (group.passive && slot.preposition === 'by' && slot.mention.kind === 'name') {
        facts.push({ subject: slot.mention, object: subject, relation: group.main.root, group });
        continue;
      }
      const relation = relationFor(group, slot, hasNameObject);
      if (relation) facts.push({ subject, object: slot.mention, relation, group });
    }
  });
  return { facts, groups };
}
