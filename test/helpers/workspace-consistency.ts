// What must hold for a workspace's documents after any crash, fault or race: no half document
// (every document has exactly its chunks, positions 0…n-1), and the BM25 postings and statistics
// equal a recount from the chunks themselves.
import type { Database } from '../../src/db/database.ts';
import { withWorkspace } from '../../src/db/workspace-scope.ts';

export interface WorkspaceConsistency {
  documents: number;
  chunks: number;
  /** Documents whose chunk_count, chunk rows and positions disagree. */
  halfDocuments: string[];
  /** Sources stored more than once. */
  duplicateSources: string[];
  postings: { stored: number; recounted: number };
  statistics: { stored: { chunkCount: number; totalLength: number }; recounted: { chunkCount: number; totalLength: number } };
}

export async function checkWorkspaceConsistency(database: Database, workspaceId: string): Promise<WorkspaceConsistency> {
  return withWorkspace(database, { workspaceId }, async (transaction) => {
    const { rows: half } = await transaction.query<{ source: string }>(
      `SELECT d.source FROM documents d
       LEFT JOIN LATERAL (SELECT count(*) AS n, coalesce(max(c.position), -1) AS last, count(DISTINCT c.position) AS distinct_positions
                          FROM chunks c WHERE c.workspace_id = d.workspace_id AND c.document_id = d.id) c ON true
       WHERE d.workspace_id = $1 AND (c.n <> d.chunk_count OR c.last + 1 <> c.n OR c.distinct_positions <> c.n OR c.n = 0)
       ORDER BY d.source`,
      [workspaceId],
    );
    const { rows: duplicates } = await transaction.query<{ source: string }>(
      'SELECT source FROM documents WHERE workspace_id = $1 GROUP BY source HAVING count(*) > 1',
      [workspaceId],
    );
    const { rows } = await transaction.query<{
      documents: number;
      chunks: number;
      recountedLength: number;
      recountedPostings: number;
      storedPostings: number;
      storedChunks: number | null;
      storedLength: number | null;
    }>(
      `SELECT (SELECT count(*) FROM documents WHERE workspace_id = $1)::float8 AS documents,
              (SELECT count(*) FROM chunks WHERE workspace_id = $1)::float8 AS chunks,
              (SELECT coalesce(sum((SELECT coalesce(sum(coalesce(array_length(term.positions, 1), 1)), 0) FROM unnest(c.search_vector) AS term)), 0)
                 FROM chunks c WHERE c.workspace_id = $1)::float8 AS "recountedLength",
              (SELECT coalesce(sum(length(c.search_vector)), 0) FROM chunks c WHERE c.workspace_id = $1)::float8 AS "recountedPostings",
              (SELECT count(*) FROM search_postings WHERE workspace_id = $1)::float8 AS "storedPostings",
              (SELECT chunk_count FROM search_statistics WHERE workspace_id = $1)::float8 AS "storedChunks",
              (SELECT total_length FROM search_statistics WHERE workspace_id = $1)::float8 AS "storedLength"`,
      [workspaceId],
    );
    const row = rows[0]!;
    return {
      documents: row.documents,
      chunks: row.chunks,
      halfDocuments: half.map((document) => document.source),
      duplicateSources: duplicates.map((document) => document.source),
      postings: { stored: row.storedPostings, recounted: row.recountedPostings },
      statistics: {
        stored: { chunkCount: row.storedChunks ?? 0, totalLength: row.storedLength ?? 0 },
        recounted: { chunkCount: row.chunks, totalLength: row.recountedLength },
      },
    };
  });
}

/** The checks every consistent workspace passes, as one expectation-friendly value. */
export function consistencyProblems(report: WorkspaceConsistency): string[] {
  const problems: string[] = [];
  if (report.halfDocuments.length > 0) problems.push(`half documents: ${report.halfDocuments.join(', ')}`);
  if (report.duplicateSources.length > 0) problems.push(`sources stored twice: ${report.duplicateSources.join(', ')}`);
  if (report.postings.stored !== report.postings.recounted) {
    problems.push(`postings: ${report.postings.stored} stored, ${report.postings.recounted} recounted from chunks`);
  }
  const { stored, recounted } = report.statistics;
  if (stored.chunkCount !== recounted.chunkCount || stored.totalLength !== recounted.totalLength) {
    problems.push(`search_statistics ${JSON.stringify(stored)} but chunks recount ${JSON.stringify(recounted)}`);
  }
  return problems;
}
