// Turns a document's extracted facts into graph changes: facts already known gain a supporting
// episode; new facts are embedded and stored; contradicted facts are invalidated, never deleted.
import { randomUUID } from 'node:crypto';
import type { WorkspaceContext } from '../../tenancy/workspace-context.ts';
import { embedAll, type GraphEmbedder } from '../embedder.ts';
import type { ExtractedFact } from '../extraction/extractor.ts';
import { parseLooseDate } from '../extraction/temporal-expressions.ts';
import type { DocumentGraphWrite, GraphStore } from '../graph-store.ts';
import type { FactWrite, StoredFact } from '../model.ts';
import { normalizeEntityName, normalizeRelation, normalizeText } from '../names.ts';
import { analyzeTerms } from '../text-terms.ts';
import { settleContradictions, type ContradictionJudge, type JudgedFact } from './contradictions.ts';
import type { ResolvedEntity } from './entity-resolution.ts';

export interface FactPlan {
  facts: FactWrite[];
  supports: DocumentGraphWrite['supports'];
  invalidations: DocumentGraphWrite['invalidations'];
  /** Extracted facts the graph already held (they gained this document's episodes as support). */
  restatedFacts: number;
}

interface CandidateFact {
  sourceId: string;
  targetId: string;
  sourceName: string;
  targetName: string;
  relation: string;
  fact: string;
  validAt: string | null;
  invalidAt: string | null;
  episodeIds: string[];
}

/** Stored facts by endpoints and relation, each with its normalised sentence, for restatement checks. */
function indexStoredFacts(facts: StoredFact[]): Map<string, Array<{ fact: StoredFact; sentence: string }>> {
  const index = new Map<string, Array<{ fact: StoredFact; sentence: string }>>();
  for (const fact of facts) {
    const key = [fact.sourceEntityId, fact.targetEntityId, normalizeRelation(fact.relation)].join('\u0000');
    const entries = index.get(key) ?? [];
    entries.push({ fact, sentence: normalizeText(fact.fact) });
    index.set(key, entries);
  }
  return index;
}

/** The same fact restated: same endpoints and relation, and the same sentence or the same start time. */
function findRestated(index: ReturnType<typeof indexStoredFacts>, candidate: CandidateFact): StoredFact | undefined {
  const entries = index.get([candidate.sourceId, candidate.targetId, candidate.relation].join('\u0000')) ?? [];
  const sentence = normalizeText(candidate.fact);
  return entries.find((entry) => entry.sentence === sentence || entry.fact.validAt === candidate.validAt)?.fact;
}

export async function planFacts(
  dependencies: { store: GraphStore; embedder: GraphEmbedder; contradictionJudge: ContradictionJudge },
  context: WorkspaceContext,
  input: {
    facts: ExtractedFact[];
    entities: Map<string, ResolvedEntity>;
    episodeIdOf: (episodeKey: string) => string;
    referenceTime: string;
  },
): Promise<FactPlan> {
  // Same fact stated twice in the document: one candidate with both episodes.
  const candidates = new Map<string, CandidateFact>();
  for (const extracted of input.facts) {
    const source = input.entities.get(normalizeEntityName(extracted.source));
    const target = input.entities.get(normalizeEntityName(extracted.target));
    const fact = extracted.fact.trim().slice(0, 4000);
    if (!source || !target || source.id === target.id || !fact) continue;
    const relation = normalizeRelation(extracted.relation).slice(0, 200);
    const validAt = parseLooseDate(extracted.validAt);
    const identity = [source.id, target.id, relation, normalizeText(fact)].join('\u0000');
    const episodeId = input.episodeIdOf(extracted.episodeKey);
    const known = candidates.get(identity);
    if (known) {
      if (!known.episodeIds.includes(episodeId)) known.episodeIds.push(episodeId);
      continue;
    }
    candidates.set(identity, {
      sourceId: source.id,
      targetId: target.id,
      sourceName: source.name,
      targetName: target.name,
      relation,
      fact,
      validAt,
      invalidAt: parseLooseDate(extracted.invalidAt),
      episodeIds: [episodeId],
    });
  }

  const knownEntityIds = [...new Set([...input.entities.values()].filter((entity) => !entity.isNew).map((entity) => entity.id))];
  const existingFacts = await dependencies.store.findFactsTouching(context, knownEntityIds);
  const storedIndex = indexStoredFacts(existingFacts);
  const supports: FactPlan['supports'] = [];
  const fresh: CandidateFact[] = [];
  let restatedFacts = 0;
  for (const candidate of candidates.values()) {
    const existing = findRestated(storedIndex, candidate);
    if (existing) {
      restatedFacts += 1;
      for (const episodeId of candidate.episodeIds) supports.push({ factId: existing.id, episodeId });
    } else fresh.push(candidate);
  }

  const uniqueSentences = [...new Set(fresh.map((candidate) => candidate.fact))];
  const vectors = await embedAll(dependencies.embedder, uniqueSentences);
  const vectorOf = new Map(uniqueSentences.map((sentence, index) => [sentence, vectors[index]!]));
  const now = new Date().toISOString();
  const facts: FactWrite[] = fresh.map((candidate) => ({
    id: randomUUID(),
    sourceEntityId: candidate.sourceId,
    targetEntityId: candidate.targetId,
    relation: candidate.relation,
    fact: candidate.fact,
    validAt: candidate.validAt,
    invalidAt: candidate.invalidAt,
    createdAt: now,
    expiredAt: null,
    invalidatedByFactId: null,
    embedder: dependencies.embedder.name,
    factEmbedding: vectorOf.get(candidate.fact)!,
    terms: analyzeTerms(`${candidate.relation} ${candidate.fact}`),
  }));
  facts.forEach((fact, index) => {
    for (const episodeId of fresh[index]!.episodeIds) supports.push({ factId: fact.id, episodeId });
  });

  const invalidations = await findInvalidations(dependencies.contradictionJudge, facts, fresh, existingFacts, input.referenceTime, now);
  return { facts, supports, invalidations, restatedFacts };
}

async function findInvalidations(
  judge: ContradictionJudge,
  facts: FactWrite[],
  fresh: CandidateFact[],
  existingFacts: StoredFact[],
  referenceTime: string,
  now: string,
): Promise<FactPlan['invalidations']> {
  // Facts the text already bounds ("until 2021") are history, not claims about the present.
  const newJudged: JudgedFact[] = facts.flatMap((fact, index) =>
    fact.invalidAt
      ? []
      : [
          {
            key: fact.id,
            isNew: true,
            sourceId: fact.sourceEntityId,
            targetId: fact.targetEntityId,
            sourceName: fresh[index]!.sourceName,
            targetName: fresh[index]!.targetName,
            relation: fact.relation,
            fact: fact.fact,
            validAt: fact.validAt,
            order: index,
          },
        ],
  );
  if (newJudged.length === 0) return [];
  const currentJudged: JudgedFact[] = existingFacts
    .filter((fact) => fact.invalidAt === null && fact.expiredAt === null)
    .map((fact) => ({
      key: fact.id,
      isNew: false,
      sourceId: fact.sourceEntityId,
      targetId: fact.targetEntityId,
      sourceName: fact.sourceName,
      targetName: fact.targetName,
      relation: fact.relation,
      fact: fact.fact,
      validAt: fact.validAt,
      order: -1,
    }));
  const pairs = await judge.findContradictions(newJudged, currentJudged);
  const judged = new Map([...newJudged, ...currentJudged].map((fact) => [fact.key, fact]));
  const invalidations = settleContradictions(pairs, judged, referenceTime);
  const invalidationsOfStored: FactPlan['invalidations'] = [];
  for (const invalidation of invalidations) {
    const newFact = facts.find((fact) => fact.id === invalidation.key);
    if (newFact) {
      // Learned already superseded: stored with its end, expired from the start.
      newFact.invalidAt = invalidation.invalidAt;
      newFact.expiredAt = now;
      newFact.invalidatedByFactId = invalidation.invalidatedByKey;
    } else {
      invalidationsOfStored.push({
        factId: invalidation.key,
        invalidAt: invalidation.invalidAt,
        expiredAt: now,
        invalidatedByFactId: invalidation.invalidatedByKey,
      });
    }
  }
  return invalidationsOfStored;
}
