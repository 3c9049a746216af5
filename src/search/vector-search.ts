// Nearest-neighbour search over the workspace's chunks (cosine), through the SQL function
// match_chunks: exact for small workspaces, through the workspace's own HNSW index for large ones
// (vector-index.ts), never through an index another tenant's vectors are in.
import { withWorkspace } from '../db/workspace-scope.ts';
import { hasDirection, toVectorLiteral } from '../ingestion/embedders/embedder.ts';
import type { WorkspaceContext } from '../tenancy/workspace-context.ts';
import { scheduleVectorIndexCheck } from './vector-index.ts';
import { filterParameters, parseSearchRequest, toHit, type HitRow, type SearchDependencies, type SearchHit, type SearchRequest } from './search-request.ts';

export async function vectorSearch(dependencies: SearchDependencies, context: WorkspaceContext, request: SearchRequest): Promise<SearchHit[]> {
  const parsed = parseSearchRequest(request);
  const queryVector = await dependencies.embedder.embedQuery(parsed.query);
  // A query without meaning in vector space (only stop words) matches nothing rather than NaN.
  if (!hasDirection(queryVector)) return [];
  const embedding = toVectorLiteral(queryVector);
  const hits = await withWorkspace(dependencies.database, context, async (transaction) => {
    const { rows } = await transaction.query<HitRow & { similarity: number }>(
      'SELECT * FROM match_chunks($1, $2::vector, $3, $4::uuid[], $5::jsonb)',
      [context.workspaceId, embedding, parsed.limit, ...filterParameters(parsed)],
    );
    return rows.map((row) => toHit(row, row.similarity, { vector: row.similarity }));
  });
  scheduleVectorIndexCheck(dependencies.database, context.workspaceId);
  return hits;
}
