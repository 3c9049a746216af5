// The audit trail of security events (sql/100_audit_events.sql). A change and its event are
// written in the same transaction wherever the change has one (recordAuditEvent), so neither
// commits without the other; events that change nothing (a failed authentication) get their own
// (appendAuditEvent). Events carry who (principal kind and credential id, never a secret), from
// where (client address), and the request id that the log lines of that request share.
import { z } from 'zod';
import type { Database, Queryable } from '../db/database.ts';
import { withControlPlane } from '../db/workspace-scope.ts';
import { findOrganization } from './organizations.ts';
import { cursorTimeColumn, pageClauses, toPage, type Page, type PageRequest } from './pagination.ts';

export const auditActions = [
  'api_key.created',
  'api_key.revoked',
  'organization_api_key.created',
  'organization_api_key.revoked',
  'authentication.failed',
  'plan.created',
  'plan.updated',
  'plan.deleted',
  'organization.plan_changed',
  'organization.suspended',
  'organization.reactivated',
  'workspace.suspended',
  'workspace.reactivated',
  'workspace.limits_changed',
  'workspace.deleted',
  'signup.completed',
] as const;
export type AuditAction = (typeof auditActions)[number];

export const principalKinds = ['platform_admin', 'organization_admin', 'workspace_key', 'operator', 'anonymous'] as const;

/** Who did it, from where, in which request. */
export interface AuditActor {
  principalKind: (typeof principalKinds)[number];
  /** The credential's id (key id), never its secret; null for RAGSPACE_ADMIN_KEY, the CLI operator, or nobody. */
  principalId: string | null;
  clientAddress: string | null;
  requestId: string | null;
}

/** The operator at the CLI: a person with the database credentials, no key and no address. */
export const cliOperator: AuditActor = { principalKind: 'operator', principalId: null, clientAddress: null, requestId: null };

export interface AuditEventInput {
  action: AuditAction;
  outcome?: 'success' | 'failure';
  /** Unset: the workspace's organization. */
  organizationId?: string | null;
  workspaceId?: string | null;
  target?: { type: string; id: string };
  details?: Record<string, unknown>;
}

export interface AuditEvent {
  id: string;
  createdAt: Date;
  organizationId: string | null;
  workspaceId: string | null;
  action: AuditAction;
  outcome: 'success' | 'failure';
  principalKind: AuditActor['principalKind'];
  principalId: string | null;
  clientAddress: string | null;
  requestId: string | null;
  targetType: string | null;
  targetId: string | null;
  details: Record<string, unknown>;
}

const columns = `id, created_at AS "createdAt", organization_id AS "organizationId", workspace_id AS "workspaceId", action, outcome,
  principal_kind AS "principalKind", principal_id AS "principalId", client_address AS "clientAddress", request_id AS "requestId",
  target_type AS "targetType", target_id AS "targetId", details`;

/**
 * Appends an event inside the caller's open transaction: a control-plane one, or a tenant one
 * for an event of that workspace (the row policy allows nothing else). No RETURNING: the tenant
 * role may append to the trail but never read it.
 */
export async function recordAuditEvent(transaction: Queryable, actor: AuditActor, event: AuditEventInput): Promise<void> {
  await transaction.query(
    `INSERT INTO audit_events (organization_id, workspace_id, action, outcome, principal_kind, principal_id,
                               client_address, request_id, target_type, target_id, details)
     VALUES (coalesce($1, (SELECT w.organization_id FROM workspaces w WHERE w.id = $2)), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [
      event.organizationId ?? null,
      event.workspaceId ?? null,
      event.action,
      event.outcome ?? 'success',
      actor.principalKind,
      actor.principalId,
      actor.clientAddress,
      actor.requestId,
      event.target?.type ?? null,
      event.target?.id ?? null,
      event.details ?? {},
    ],
  );
}

/** Appends an event in its own control-plane transaction (for events that change nothing else). */
export function appendAuditEvent(database: Database, actor: AuditActor, event: AuditEventInput): Promise<void> {
  return withControlPlane(database, (transaction) => recordAuditEvent(transaction, actor, event));
}

/** A failed authentication, attributed to the organization that owns the presented key's public prefix, if any. */
export function appendAuthenticationFailure(database: Database, actor: AuditActor, presentedPrefix: string | null, reason: string): Promise<void> {
  return withControlPlane(database, async (transaction) => {
    let organizationId: string | null = null;
    let workspaceId: string | null = null;
    if (presentedPrefix?.startsWith('rsk_')) {
      const { rows } = await transaction.query<{ organizationId: string; workspaceId: string }>(
        `SELECT w.organization_id AS "organizationId", w.id AS "workspaceId"
         FROM api_keys k JOIN workspaces w ON w.id = k.workspace_id WHERE k.prefix = $1`,
        [presentedPrefix],
      );
      ({ organizationId = null, workspaceId = null } = rows[0] ?? {});
    } else if (presentedPrefix?.startsWith('rso_')) {
      const { rows } = await transaction.query<{ organizationId: string }>(
        'SELECT organization_id AS "organizationId" FROM organization_api_keys WHERE prefix = $1',
        [presentedPrefix],
      );
      organizationId = rows[0]?.organizationId ?? null;
    }
    await recordAuditEvent(transaction, actor, {
      action: 'authentication.failed',
      outcome: 'failure',
      organizationId,
      workspaceId,
      details: { reason, ...(presentedPrefix ? { keyPrefix: presentedPrefix } : {}) },
    });
  });
}

export const auditQuerySchema = z.object({
  from: z.iso.datetime({ offset: true }).optional().describe('Only events at or after this time (ISO 8601)'),
  to: z.iso.datetime({ offset: true }).optional().describe('Only events before this time (ISO 8601)'),
  action: z.enum(auditActions).optional().describe('Only events of this action'),
});
export type AuditQuery = z.infer<typeof auditQuerySchema>;

/**
 * One page of the trail, oldest first: an organization's events, or (organization null) every
 * event of the deployment, for the platform admin.
 */
export function listAuditEventsPage(
  database: Database,
  organizationReference: string | null,
  query: AuditQuery,
  page: PageRequest,
): Promise<Page<AuditEvent>> {
  return withControlPlane(database, async (transaction) => {
    const conditions: string[] = [];
    const parameters: unknown[] = [];
    const add = (condition: (placeholder: string) => string, value: unknown) => {
      parameters.push(value);
      conditions.push(condition(`$${parameters.length}`));
    };
    if (organizationReference !== null) {
      const organization = await findOrganization(transaction, organizationReference);
      add((placeholder) => `organization_id = ${placeholder}`, organization.id);
    }
    if (query.from) add((placeholder) => `created_at >= ${placeholder}::timestamptz`, query.from);
    if (query.to) add((placeholder) => `created_at < ${placeholder}::timestamptz`, query.to);
    if (query.action) add((placeholder) => `action = ${placeholder}`, query.action);
    const clauses = pageClauses('', page, parameters.length + 1);
    const { rows } = await transaction.query<AuditEvent & { cursorTime: string }>(
      `SELECT ${columns}, ${cursorTimeColumn('')} FROM audit_events
       WHERE ${[...conditions, clauses.where].join(' AND ')} ${clauses.orderAndLimit}`,
      [...parameters, ...clauses.parameters],
    );
    return toPage(rows, page);
  });
}
