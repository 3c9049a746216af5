// Score fusion of BM25 and vector search, through the SQL function hybrid_search (sql/201): each
// leg's scores divided by the leg's best score for the query, summed with weights:
// score = textWeight · bm25 / best bm25 + vectorWeight · cosine / best cosine.
import { z } from 'zod';
import { withWorkspace } from '../db/workspace-scope.ts';
import { hasDirection, toVectorLiteral } from '../ingestion/embedders/embedder.ts';
import { parseInput } from '../tenancy/validation.ts';
import type { WorkspaceContext } from '../tenancy/workspace-context.ts';
import { scheduleVectorIndexCheck } from './vector-index.ts';
import { filterParameters, parseSearchRequest, toHit, type HitRow, type SearchDependencies, type SearchHit, type SearchRequest } from './search-request.ts';

// Measured on CISI with the local embedder (bench/scenarios/retrieval-quality.ts): vector weights
// 0.25 and 0.4 keep hybrid at or above BM25; 0.1 and 0.5 or more fall below it.
export const defaultHybridWeights = { textWeight: 1, vectorWeight: 0.25 } as const;

export const hybridOptionsSchema = z.strictObject({
  textWeight: z.number().min(0).max(100).default(defaultHybridWeights.textWeight),
  vectorWeight: z.number().min(0).max(100).default(defaultHybridWeights.vectorWeight),
  /** How many chunks each leg contributes before fusion (default: max(limit, 100)). */
  candidateCount: z.number().int().min(1).max(10_000).optional(),
});

export type HybridOptions = z.input<typeof hybridOptionsSchema>;

export async function hybridSearch(
  dependencies: SearchDependencies,
  context: WorkspaceContext,
  request: SearchRequest,
  options: HybridOptions = {},
): Promise<SearchHit[]> {
  const parsed = parseSearchRequest(request);
  const fusion = parseInput(hybridOptionsSchema, options);
  const queryVector = fusion.vectorWeight > 0 ? await dependencies.embedder.embedQuery(parsed.query) : null;
  // No vector leg for a query without meaning in vector space (only stop words): NaN scores otherwise.
  const embedding = queryVector && hasDirection(queryVector) ? toVectorLiteral(queryVector) : null;
  const hits = await withWorkspace(dependencies.database, context, async (transaction) => {
    const { rows } = await transaction.query<HitRow & { score: number; text_score: number | null; vector_score: number | null }>(
      'SELECT * FROM hybrid_search($1, $2, $3::vector, $4, $5::uuid[], $6::jsonb, $7, $8, $9)',
      [
        context.workspaceId,
        parsed.query,
        embedding,
        parsed.limit,
        ...filterParameters(parsed),
        fusion.textWeight,
        fusion.vectorWeight,
        fusion.candidateCount ?? null,
      ],
    );
    return rows.map((row) =>
      toHit(row, row.score, {
        hybrid: row.score,
        ...(row.text_score === null ? {} : { text: row.text_score }),
        ...(row.vector_score === null ? {} : { vector: row.vector_score }),
      }),
    );
  });
  if (embedding) scheduleVectorIndexCheck(dependencies.database, context.workspaceId);
  return hits;
}
