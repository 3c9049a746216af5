// The offline default extractor: deterministic, no model, built on compromise's tagger.
// Entities: people, organisations, places, products (names) and concepts (common noun phrases that a
// name acts on). Facts: from sentences that connect two of them through a verb or an apposition.
import type { EntityType } from '../model.ts';
import { normalizeEntityName } from '../names.ts';
import { readClauses, type ClauseFact, type VerbGroup } from './clauses.ts';
import { offlineExtractorName, type ExtractedEntity, type ExtractedFact, type ExtractionInput, type ExtractionResult, type GraphExtractor } from './extractor.ts';
import { collectCasing, findNameMentions, findReferenceAt, type Mention } from './mentions.ts';
import { analyzeSentences, hasAnyTag, type Sentence } from './sentence-tokens.ts';
import { findDates } from './temporal-expressions.ts';
import { referringExpressions } from './entity-cues.ts';

const typePriority: EntityType[] = ['person', 'organization', 'place', 'product', 'concept', 'other'];
const maximumSummaryLength = 300;

interface EntityDraft {
  key: string;
  name: string;
  typeVotes: Map<EntityType, number>;
  episodeKeys: Set<string>;
  summary: string;
  subjectSummary: boolean;
  mentions: number;
}

interface FactDraft {
  sourceKey: string;
  targetKey: string;
  relation: string;
  fact: string;
  validAt: string | null;
  invalidAt: string | null;
  episodeKey: string;
}

class DocumentEntities {
  readonly drafts = new Map<string, EntityDraft>();

  record(mention: Mention, episodeKey: string, sentence: string, asSubject: boolean): EntityDraft | null {
    const key = normalizeEntityName(mention.text);
    if (!key) return null;
    let draft = this.drafts.get(key);
    if (!draft) {
      draft = { key, name: mention.text, typeVotes: new Map(), episodeKeys: new Set(), summary: '', subjectSummary: false, mentions: 0 };
      this.drafts.set(key, draft);
    }
    if (mention.typeHint) draft.typeVotes.set(mention.typeHint, (draft.typeVotes.get(mention.typeHint) ?? 0) + 1);
    draft.episodeKeys.add(episodeKey);
    draft.mentions += 1;
    // The first sentence where the entity acts is the best summary; any mention will do until then.
    if (!draft.subjectSummary && (asSubject || !draft.summary)) {
      draft.summary = sentence.slice(0, maximumSummaryLength);
      draft.subjectSummary = asSubject;
    }
    return draft;
  }

  typeOf(key: string): EntityType | null {
    const votes = this.drafts.get(key)?.typeVotes;
    if (!votes || votes.size === 0) return null;
    return [...votes.entries()].sort(
      (left, right) => right[1] - left[1] || typePriority.indexOf(left[0]) - typePriority.indexOf(right[0]),
    )[0]![0];
  }

  /** "Chen" → "Maria Chen", "Northwind" → "Northwind Robotics" when exactly one longer name fits. */
  shortNameTargets(): Map<string, string> {
    const targets = new Map<string, string>();
    for (const draft of this.drafts.values()) {
      if (draft.key.includes(' ') || this.typeOf(draft.key) === 'concept') continue;
      const fits = [...this.drafts.values()].filter((other) => {
        if (other === draft || this.typeOf(other.key) === 'concept') return false;
        const words = other.key.split(' ');
        if (words.length < 2) return false;
        const type = this.typeOf(other.key);
        return type === 'person' ? words[words.length - 1] === draft.key || words[0] === draft.key : words[0] === draft.key;
      });
      if (fits.length === 1) targets.set(draft.key, fits[0]!.key);
    }
    return targets;
  }
}

function referenceMentions(sentence: Sentence, names: Mention[]): Mention[] {
  const covered = new Set(names.flatMap((mention) => Array.from({ length: mention.end - mention.start }, (_, offset) => mention.start + offset)));
  const references: Mention[] = [];
  for (let index = 0; index < sentence.tokens.length; index += 1) {
    if (covered.has(index)) continue;
    const reference = findReferenceAt(sentence.tokens, index);
    if (!reference) continue;
    // Only in subject position: a verb (possibly after adverbs) follows.
    let next = reference.end;
    while (sentence.tokens[next] && hasAnyTag(sentence.tokens[next]!, 'Adverb')) next += 1;
    if (sentence.tokens[next]?.tags.has('Verb')) references.push(reference);
    index = reference.end - 1;
  }
  return references;
}

/** Dates stated around a verb group: the nearest start date, and an end date ("until 2021"). */
function datesFor(sentence: Sentence, groups: VerbGroup[], group: VerbGroup | null): { validAt: string | null; invalidAt: string | null } {
  const dates = findDates(sentence.text);
  if (dates.length === 0) return { validAt: null, invalidAt: null };
  if (!group) return { validAt: null, invalidAt: null };
  const index = groups.indexOf(group);
  const tokens = sentence.tokens;
  const regionStart = index > 0 ? tokens[groups[index - 1]!.end - 1]!.offset : 0;
  const next = groups[index + 1];
  const regionEnd = next ? tokens[next.start]!.offset : sentence.text.length;
  const anchor = tokens[group.start]!.offset;
  const inRegion = dates.filter((date) => date.offset >= regionStart && date.offset < regionEnd);
  const nearest = (role: 'start' | 'end') =>
    inRegion
      .filter((date) => date.role === role)
      .sort((left, right) => Math.abs(left.offset - anchor) - Math.abs(right.offset - anchor))[0]?.iso ?? null;
  return { validAt: nearest('start'), invalidAt: nearest('end') };
}

function factSentence(sentence: Sentence, references: Map<Mention, EntityDraft>): string {
  // Replace a leading reference ("It was founded …") with its name so the fact stands alone.
  const leading = [...references.entries()].find(([mention]) => mention.start === 0);
  if (!leading) return sentence.text;
  const [mention, draft] = leading;
  const rest = sentence.tokens[mention.end];
  if (!rest) return sentence.text;
  return `${draft.name} ${sentence.text.slice(rest.offset)}`;
}

export function extractOffline(input: ExtractionInput): ExtractionResult {
  const entities = new DocumentEntities();
  const facts: FactDraft[] = [];
  for (const episode of input.episodes) {
    const sentences = analyzeSentences(episode.content);
    const casing = collectCasing(sentences);
    let recent: EntityDraft[] = [];
    for (const sentence of sentences) {
      const names = findNameMentions(sentence, casing);
      const references = new Map<Mention, EntityDraft>();
      for (const reference of referenceMentions(sentence, names)) {
        const allowed = referringExpressions.get(reference.text);
        const antecedent = recent.find((draft) => {
          const type = entities.typeOf(draft.key);
          return type !== null && allowed?.has(type);
        });
        if (antecedent) references.set(reference, antecedent);
      }
      const mentions = [...names, ...references.keys()].sort((left, right) => left.start - right.start);
      const { facts: clauseFacts, groups } = readClauses(sentence, mentions);
      const subjects = new Set(clauseFacts.map((fact) => fact.subject));
      const text = factSentence(sentence, references);
      const draftOf = (mention: Mention) =>
        references.get(mention) ?? entities.record(mention, episode.key, text, subjects.has(mention));
      const sentenceDrafts: EntityDraft[] = [];
      for (const mention of names) {
        const draft = draftOf(mention);
        if (draft) sentenceDrafts.push(draft);
      }
      for (const clause of clauseFacts) addFact(clause, draftOf, sentence, groups, text, episode.key, facts);
      // Later sentences refer back to this one's subject first, then to its other names.
      const subjectDrafts = clauseFacts.map((fact) => references.get(fact.subject) ?? entities.drafts.get(normalizeEntityName(fact.subject.text)));
      recent = [...new Set([...subjectDrafts.filter((draft): draft is EntityDraft => !!draft), ...sentenceDrafts, ...recent])];
    }
  }
  return finish(entities, facts);
}

function addFact(
  clause: ClauseFact,
  draftOf: (mention: Mention) => EntityDraft | null,
  sentence: Sentence,
  groups: VerbGroup[],
  text: string,
  episodeKey: string,
  facts: FactDraft[],
): void {
  const source = draftOf(clause.subject);
  const target = draftOf(clause.object);
  if (!source || !target || source === target) return;
  const { validAt, invalidAt } = datesFor(sentence, groups, clause.group);
  facts.push({ sourceKey: source.key, targetKey: target.key, relation: clause.relation, fact: text, validAt, invalidAt, episodeKey });
}

function finish(entities: DocumentEntities, facts: FactDraft[]): ExtractionResult {
  const shortNames = entities.shortNameTargets();
  const canonical = (key: string) => shortNames.get(key) ?? key;
  const merged = new Map<string, ExtractedEntity>();
  for (const draft of entities.drafts.values()) {
    const key = canonical(draft.key);
    const target = entities.drafts.get(key)!;
    const existing = merged.get(key);
    if (existing) {
      for (const episodeKey of draft.episodeKeys) if (!existing.episodeKeys.includes(episodeKey)) existing.episodeKeys.push(episodeKey);
      continue;
    }
    merged.set(key, {
      name: target.name,
      type: entities.typeOf(key) ?? 'other',
      summary: target.summary,
      episodeKeys: [...new Set([...target.episodeKeys, ...draft.episodeKeys])],
    });
  }
  const inFacts = new Set(facts.flatMap((fact) => [canonical(fact.sourceKey), canonical(fact.targetKey)]));
  // An untyped name seen once and in no fact is more likely a label than an entity.
  for (const [key, entity] of merged) {
    const mentions = [...entities.drafts.values()].filter((draft) => canonical(draft.key) === key).reduce((sum, draft) => sum + draft.mentions, 0);
    if (entity.type === 'other' && !inFacts.has(key) && mentions < 2) merged.delete(key);
  }
  const seen = new Set<string>();
  const extractedFacts: ExtractedFact[] = [];
  for (const fact of facts) {
    const sourceKey = canonical(fact.sourceKey);
    const targetKey = canonical(fact.targetKey);
    if (sourceKey === targetKey) continue;
    const identity = [sourceKey, targetKey, fact.relation, fact.fact].join('\u0000');
    if (seen.has(identity)) continue;
    seen.add(identity);
    extractedFacts.push({
      source: merged.get(sourceKey)!.name,
      target: merged.get(targetKey)!.name,
      relation: fact.relation,
      fact: fact.fact,
      validAt: fact.validAt,
      invalidAt: fact.invalidAt,
      episodeKey: fact.episodeKey,
    });
  }
  return { entities: [...merged.values()], facts: extractedFacts };
}

export { offlineExtractorName };

/** The offline extractor on the calling thread (the server runs it on worker threads: graph-services.ts). */
export function createOfflineExtractor(): GraphExtractor {
  return {
    name: offlineExtractorName,
    extract: async (input) => extractOffline(input),
  };
}
