// BM25 over the workspace's own statistics (document frequency, average length), through the SQL
// function bm25_search: k1 = 1.2, b = 0.75, query-term frequency counted, English stemming and stop
// words as in to_tsvector('english'). See sql/010_search_index.sql.
import { withWorkspace } from '../db/workspace-scope.ts';
import type { WorkspaceContext } from '../tenancy/workspace-context.ts';
import { filterParameters, parseSearchRequest, toHit, type HitRow, type SearchDependencies, type SearchHit, type SearchRequest } from './search-request.ts';

export async function textSearch(
  dependencies: Pick<SearchDependencies, 'database'>,
  context: WorkspaceContext,
  request: SearchRequest,
): Promise<SearchHit[]> {
  const parsed = parseSearchRequest(request);
  return withWorkspace(dependencies.database, context, async (transaction) => {
    const { rows } = await transaction.query<HitRow & { score: number }>(
      'SELECT * FROM bm25_search($1, $2, $3, $4::uuid[], $5::jsonb)',
      [context.workspaceId, parsed.query, parsed.limit, ...filterParameters(parsed)],
    );
    return rows.map((row) => toHit(row, row.score, { text: row.score }));
  });
}
