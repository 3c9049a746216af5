// Suspension: an operator stops a tenant without deleting it. A suspended organization or
// workspace keeps every row; the API refuses its keys (403 organization_suspended /
// workspace_suspended, plugins/limits.ts) until it is reactivated.
import { z } from 'zod';
import type { Database } from '../db/database.ts';
import { withControlPlane } from '../db/workspace-scope.ts';
import { organizationSuspended, workspaceSuspended } from '../errors.ts';
import { recordAuditEvent, type AuditActor } from './audit.ts';
import { findOrganization, type Organization, type TenantStatus } from './organizations.ts';
import { parseInput } from './validation.ts';
import { findWorkspace, type Workspace } from './workspaces.ts';

/** Why the operator changed the status; kept in the audit trail, never shown to the tenant's keys. */
export const statusChangeSchema = z.strictObject({
  reason: z.string().trim().min(1).max(500).optional().describe('Why (kept in the audit trail)'),
});
export type StatusChange = z.input<typeof statusChangeSchema>;

/** Suspends or reactivates an organization; a no-op (and no audit event) when it already has that status. */
export function setOrganizationStatus(
  database: Database,
  organizationReference: string,
  status: TenantStatus,
  change: StatusChange,
  actor: AuditActor,
): Promise<Organization> {
  const { reason } = parseInput(statusChangeSchema, change);
  return withControlPlane(database, async (transaction) => {
    const organization = await findOrganization(transaction, organizationReference);
    if (organization.status === status) return organization;
    await transaction.query('UPDATE organizations SET status = $2, status_changed_at = now(), updated_at = now() WHERE id = $1', [
      organization.id,
      status,
    ]);
    await recordAuditEvent(transaction, actor, {
      action: status === 'suspended' ? 'organization.suspended' : 'organization.reactivated',
      organizationId: organization.id,
      target: { type: 'organization', id: organization.id },
      details: reason ? { reason } : {},
    });
    return findOrganization(transaction, organization.id);
  });
}

/** Suspends or reactivates one workspace; a no-op (and no audit event) when it already has that status. */
export function setWorkspaceStatus(
  database: Database,
  workspaceReference: string,
  status: TenantStatus,
  change: StatusChange,
  actor: AuditActor,
): Promise<Workspace> {
  const { reason } = parseInput(statusChangeSchema, change);
  return withControlPlane(database, async (transaction) => {
    const workspace = await findWorkspace(transaction, workspaceReference);
    if (workspace.status === status) return workspace;
    await transaction.query('UPDATE workspaces SET status = $2, status_changed_at = now(), updated_at = now() WHERE id = $1', [workspace.id, status]);
    await recordAuditEvent(transaction, actor, {
      action: status === 'suspended' ? 'workspace.suspended' : 'workspace.reactivated',
      organizationId: workspace.organizationId,
      workspaceId: workspace.id,
      target: { type: 'workspace', id: workspace.id },
      details: reason ? { reason } : {},
    });
    return findWorkspace(transaction, workspace.id);
  });
}

/** Throws the 403 of a suspended organization or workspace (the organization's status wins). */
export function assertActive(standing: { organizationStatus: TenantStatus; workspaceStatus?: TenantStatus }): void {
  if (standing.organizationStatus === 'suspended') {
    throw organizationSuspended('This organization is suspended; its data is kept. Contact the operator of this service to reactivate it');
  }
  if (standing.workspaceStatus === 'suspended') {
    throw workspaceSuspended('This workspace is suspended; its data is kept. Contact your organization admin or the operator to reactivate it');
  }
}
