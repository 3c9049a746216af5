// Loads facts with their endpoints and source documents, in one statement, inside a workspace transaction.
import type { Queryable } from '../../db/database.ts';
import type { FactView } from '../model.ts';
import { factColumns, toFactView, type FactViewRow } from './rows.ts';

/** The facts with these ids (in no particular order; callers order them). Every table is filtered on workspace_id. */
export async function loadFactViews(transaction: Queryable, workspaceId: string, factIds: string[]): Promise<FactView[]> {
  if (factIds.length === 0) return [];
  const { rows } = await transaction.query<FactViewRow>(
    `SELECT ${factColumns},
            s.name AS source_name, s.entity_type AS source_type,
            t.name AS target_name, t.entity_type AS target_type,
            ARRAY(
              SELECT DISTINCT ep.document_id::text
              FROM graph_fact_episodes fe
              JOIN graph_episodes ep ON ep.workspace_id = $1 AND ep.id = fe.episode_id
              WHERE fe.workspace_id = $1 AND fe.fact_id = f.id
            ) AS document_ids
     FROM graph_facts f
     JOIN graph_entities s ON s.workspace_id = $1 AND s.id = f.source_entity_id
     JOIN graph_entities t ON t.workspace_id = $1 AND t.id = f.target_entity_id
     WHERE f.workspace_id = $1 AND f.id = ANY($2::uuid[])`,
    [workspaceId, factIds],
  );
  return rows.map(toFactView);
}

/** Orders views as the ids are ordered, dropping ids that were not found. */
export function orderLike(views: FactView[], factIds: string[]): FactView[] {
  const byId = new Map(views.map((view) => [view.id, view]));
  return factIds.flatMap((id) => {
    const view = byId.get(id);
    return view ? [view] : [];
  });
}
