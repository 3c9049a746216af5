// The reference for approximate vector search: the exact top k of a workspace by cosine distance,
// read with index scans switched off (so no HNSW index can answer), as the application role.
// Used by the recall tests and the search-latency bench.
import type { Database } from '../../src/db/database.ts';
import { withWorkspace } from '../../src/db/workspace-scope.ts';
import type { WorkspaceContext } from '../../src/tenancy/workspace-context.ts';

export interface Neighbour {
  chunkId: string;
  similarity: number;
}

export function exactVectorNeighbours(database: Database, context: WorkspaceContext, embedding: string, k: number): Promise<Neighbour[]> {
  return withWorkspace(database, context, async (transaction) => {
    await transaction.query("SELECT set_config('enable_indexscan', 'off', true)");
    const { rows } = await transaction.query<{ id: string; similarity: number }>(
      `SELECT id, 1 - (embedding <=> $2::vector) AS similarity FROM chunks
       WHERE workspace_id = $1 AND embedding IS NOT NULL
       ORDER BY embedding <=> $2::vector, id LIMIT $3`,
      [context.workspaceId, embedding, k],
    );
    return rows.map((row) => ({ chunkId: row.id, similarity: row.similarity }));
  });
}

/**
 * Recall@k of `found` against the exact neighbours, counting ties: a hit is right when it is one
 * of the exact top k or as similar as the k-th of them (equal vectors are interchangeable).
 */
export function recallAt(k: number, found: readonly Neighbour[], exact: readonly Neighbour[]): number {
  const reference = exact.slice(0, k);
  if (reference.length === 0) return 1;
  const ids = new Set(reference.map((neighbour) => neighbour.chunkId));
  const kthSimilarity = reference[reference.length - 1]!.similarity;
  const right = found.slice(0, k).filter((hit) => ids.has(hit.chunkId) || hit.similarity >= kthSimilarity - 1e-9).length;
  return right / reference.length;
}
