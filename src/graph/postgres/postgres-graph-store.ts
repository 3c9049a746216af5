// The embedded default graph backend: tables in the tenant database, every access inside withWorkspace
// (forced RLS as ragspace_app) and every statement filtered on workspace_id as well.
import type { Database } from '../../db/database.ts';
import { withWorkspace } from '../../db/workspace-scope.ts';
import type { WorkspaceContext } from '../../tenancy/workspace-context.ts';
import { requireGraphGroup } from '../graph-group.ts';
import type { GraphStore } from '../graph-store.ts';
import { removeEpisodes, writeDocumentGraph } from './document-graph-writes.ts';
import { loadFactViews } from './fact-views.ts';
import {
  factIdsAround,
  findEntitiesByName,
  findEntityCandidates,
  findFactsTouching,
  loadEntityViews,
  searchCandidates,
  timeline,
  traverse,
} from './graph-read-queries.ts';

export function createPostgresGraphStore(database: Database): GraphStore {
  // The group is checked even though workspace_id partitions the tables: a context without one is a bug upstream.
  const inWorkspace = async <T>(context: WorkspaceContext, work: Parameters<typeof withWorkspace<T>>[2]): Promise<T> => {
    requireGraphGroup(context);
    return withWorkspace(database, context, work);
  };

  return {
    backend: 'postgres',
    initialize: async () => {},
    // The database belongs to the runtime; the graph store does not close it.
    close: async () => {},

    findEntityCandidates: (context, query) =>
      inWorkspace(context, (transaction) => findEntityCandidates(transaction, context.workspaceId, query)),
    findFactsTouching: (context, entityIds) =>
      inWorkspace(context, (transaction) => findFactsTouching(transaction, context.workspaceId, entityIds)),
    writeDocumentGraph: (context, write) =>
      inWorkspace(context, (transaction) => writeDocumentGraph(transaction, context.workspaceId, write)),
    removeDocument: (context, documentId) =>
      inWorkspace(context, async (transaction) => {
        const { rows } = await transaction.query<{ id: string }>(
          'SELECT id::text AS id FROM graph_episodes WHERE workspace_id = $1 AND document_id = $2',
          [context.workspaceId, documentId],
        );
        return removeEpisodes(
          transaction,
          context.workspaceId,
          rows.map((row) => row.id),
        );
      }),
    clearWorkspaceGraph: (context) =>
      inWorkspace(context, async (transaction) => {
        // Episodes first: their support and mention rows cascade; then facts (and their terms), then entities.
        const episodes = await transaction.query('DELETE FROM graph_episodes WHERE workspace_id = $1', [context.workspaceId]);
        const facts = await transaction.query('DELETE FROM graph_facts WHERE workspace_id = $1', [context.workspaceId]);
        const entities = await transaction.query('DELETE FROM graph_entities WHERE workspace_id = $1', [context.workspaceId]);
        return { episodes: episodes.rowCount, facts: facts.rowCount, entities: entities.rowCount };
      }),

    searchCandidates: (context, query) =>
      inWorkspace(context, (transaction) => searchCandidates(transaction, context.workspaceId, query)),
    loadNeighbourhood: (context, query) =>
      inWorkspace(context, async (transaction) => {
        const around = await factIdsAround(transaction, context.workspaceId, query.entityIds, query.perEntityLimit, query.currentOnly);
        const factIds = [...new Set([...query.factIds, ...around])];
        return {
          entities: await loadEntityViews(transaction, context.workspaceId, query.entityIds),
          facts: await loadFactViews(transaction, context.workspaceId, factIds),
        };
      }),
    findEntitiesByName: (context, normalizedName) =>
      inWorkspace(context, (transaction) => findEntitiesByName(transaction, context.workspaceId, normalizedName)),
    traverse: (context, startEntityIds, depth, factLimit) =>
      inWorkspace(context, (transaction) => traverse(transaction, context.workspaceId, startEntityIds, depth, factLimit)),
    timeline: (context, entityIds, limit) =>
      inWorkspace(context, (transaction) => timeline(transaction, context.workspaceId, entityIds, limit)),
    counts: (context) =>
      inWorkspace(context, async (transaction) => {
        const { rows } = await transaction.query<{ episodes: number; entities: number; facts: number }>(
          `SELECT (SELECT count(*) FROM graph_episodes WHERE workspace_id = $1)::integer AS episodes,
                  (SELECT count(*) FROM graph_entities WHERE workspace_id = $1)::integer AS entities,
                  (SELECT count(*) FROM graph_facts WHERE workspace_id = $1)::integer AS facts`,
          [context.workspaceId],
        );
        return rows[0] ?? { episodes: 0, entities: 0, facts: 0 };
      }),
    episodeIdsOfDocument: (context, documentId) =>
      inWorkspace(context, async (transaction) => {
        const { rows } = await transaction.query<{ id: string }>(
          'SELECT id::text AS id FROM graph_episodes WHERE workspace_id = $1 AND document_id = $2 ORDER BY position, id',
          [context.workspaceId, documentId],
        );
        return rows.map((row) => row.id);
      }),
  };
}
