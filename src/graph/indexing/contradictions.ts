// Which facts cannot hold at the same time. Judges only name the conflicting pairs; which side is
// invalidated (and from when) is decided by time in settleContradictions, the same for every judge.
import { relationFamily } from './relation-families.ts';

export interface JudgedFact {
  /** The fact's id (new facts have theirs assigned before judging). */
  key: string;
  isNew: boolean;
  sourceId: string;
  targetId: string;
  sourceName: string;
  targetName: string;
  relation: string;
  fact: string;
  validAt: string | null;
  /** Position in the document (new facts) so "later in the text" can break ties. */
  order: number;
}

export interface ContradictionJudge {
  readonly name: string;
  /** Pairs [new fact key, other fact key] that cannot both be true at once; the other may be new or stored. */
  findContradictions(newFacts: JudgedFact[], currentFacts: JudgedFact[]): Promise<Array<[string, string]>>;
}

/** The offline judge: two facts of an exclusive relation family sharing the exclusive endpoint but not the other. */
export function createRuleContradictionJudge(): ContradictionJudge {
  return {
    name: 'relation-families',
    async findContradictions(newFacts, currentFacts) {
      // Families are looked up once per fact, not once per compared pair.
      const withFamily = (facts: JudgedFact[]) =>
        facts.flatMap((fact) => {
          const family = relationFamily(fact.relation);
          return family ? [{ fact, family }] : [];
        });
      const fresh = withFamily(newFacts);
      const current = withFamily(currentFacts);
      const pairs: Array<[string, string]> = [];
      fresh.forEach((left, index) => {
        for (const right of [...fresh.slice(index + 1), ...current]) {
          if (left.family.name !== right.family.name) continue;
          const conflict =
            left.family.exclusiveSide === 'source'
              ? left.fact.sourceId === right.fact.sourceId && left.fact.targetId !== right.fact.targetId
              : left.fact.targetId === right.fact.targetId && left.fact.sourceId !== right.fact.sourceId;
          if (conflict) pairs.push([left.fact.key, right.fact.key]);
        }
      });
      return pairs;
    },
  };
}

export interface Invalidation {
  key: string;
  invalidAt: string;
  invalidatedByKey: string;
}

/**
 * Decides each conflicting pair by time: the fact that became valid later wins; a fact with a stated
 * start beats one without (the undated one reads as the earlier state); otherwise the newly learned
 * fact wins (inside one document, the later sentence). The loser becomes invalid when the winner
 * became valid, or at the reference time when that is unknown.
 */
export function settleContradictions(
  pairs: Array<[string, string]>,
  facts: ReadonlyMap<string, JudgedFact>,
  referenceTime: string,
): Invalidation[] {
  const invalidations = new Map<string, Invalidation>();
  for (const [firstKey, secondKey] of pairs) {
    const first = facts.get(firstKey);
    const second = facts.get(secondKey);
    if (!first || !second) continue;
    const winner = laterFact(first, second);
    const loser = winner === first ? second : first;
    let invalidAt = winner.validAt ?? referenceTime;
    if (loser.validAt && invalidAt < loser.validAt) invalidAt = referenceTime > loser.validAt ? referenceTime : loser.validAt;
    const known = invalidations.get(loser.key);
    if (!known || invalidAt < known.invalidAt) invalidations.set(loser.key, { key: loser.key, invalidAt, invalidatedByKey: winner.key });
  }
  return [...invalidations.values()];
}

function laterFact(left: JudgedFact, right: JudgedFact): JudgedFact {
  if (left.validAt && right.validAt && left.validAt !== right.validAt) return left.validAt > right.validAt ? left : right;
  if ((left.validAt === null) !== (right.validAt === null)) return left.validAt ? left : right;
  if (left.isNew !== right.isNew) return left.isNew ? left : right;
  return left.order >= right.order ? left : right;
}
