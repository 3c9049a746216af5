// Reciprocal rank fusion: combines ranked lists without comparing their incomparable scores.

export const defaultFusionConstant = 60;

/** Fuses ranked id lists; returns ids with fused scores, best first (ties broken by id for stable output). */
export function fuseByReciprocalRank(
  rankings: readonly (readonly string[])[],
  constant = defaultFusionConstant,
): Array<{ id: string; score: number }> {
  const scores = new Map<string, number>();
  for (const ranking of rankings) {
    ranking.forEach((id, index) => {
      scores.set(id, (scores.get(id) ?? 0) + 1 / (constant + index + 1));
    });
  }
  return [...scores.entries()]
    .map(([id, score]) => ({ id, score }))
    .sort((left, right) => right.score - left.score || (left.id < right.id ? -1 : left.id > right.id ? 1 : 0));
}
