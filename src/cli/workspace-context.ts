// The CLI is run by the operator of the deployment: it acts on a workspace named on the command
// line, resolved through the control plane, with every scope, no API key and no end customer.
import type { Database } from '../db/database.ts';
import { createWorkspaceContext, type WorkspaceContext } from '../tenancy/workspace-context.ts';
import { getWorkspace } from '../tenancy/workspaces.ts';

export async function operatorContext(database: Database, workspaceReference: string): Promise<WorkspaceContext & { slug: string }> {
  const workspace = await getWorkspace(database, workspaceReference);
  // Frozen like every WorkspaceContext: agent tools refuse one that is not (agent/tool-context.ts).
  return Object.freeze({ ...createWorkspaceContext({ organizationId: workspace.organizationId, workspaceId: workspace.id }), slug: workspace.slug });
}
