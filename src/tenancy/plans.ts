// Plans and the limits a workspace runs under: its organization's plan, with the workspace's own
// overrides on top. Every limit is a whole number or null (unlimited). The one schema of a limit
// set, used by the database rows, the admin API and the CLI alike.
import { z } from 'zod';
import type { Database, Queryable } from '../db/database.ts';
import { withControlPlane } from '../db/workspace-scope.ts';
import { notFound } from '../errors.ts';

const limit = z.number().int().min(0).nullable();

export const limitNames = [
  'requestsPerMinute',
  'requestsPerMonth',
  'chatMessagesPerDay',
  'llmTokensPerMonth',
  'storageBytes',
  'documents',
  'agents',
  'apiKeys',
  'concurrentIngestionJobs',
  'concurrentChatStreams',
] as const;
export type LimitName = (typeof limitNames)[number];

/** A full limit set (a plan's): every limit present, null meaning unlimited. */
export const planLimitsSchema = z.strictObject(Object.fromEntries(limitNames.map((name) => [name, limit])) as Record<LimitName, typeof limit>);
export type PlanLimits = z.infer<typeof planLimitsSchema>;

/** A partial limit set (a workspace's overrides): only the limits it changes. */
export const limitOverridesSchema = planLimitsSchema.partial();
export type LimitOverrides = z.infer<typeof limitOverridesSchema>;

export interface Plan {
  id: string;
  name: string;
  limits: PlanLimits;
  isDefault: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** A workspace's limits, where they come from, and whether it may be served at all. */
export interface EffectiveLimits {
  workspaceId: string;
  organizationId: string;
  planId: string;
  limits: PlanLimits;
  overrides: LimitOverrides;
  organizationStatus: 'active' | 'suspended';
  workspaceStatus: 'active' | 'suspended';
}

/** Stored limits may predate a limit name: a missing one is unlimited. */
export function completeLimits(stored: Record<string, unknown>): PlanLimits {
  const complete = Object.fromEntries(limitNames.map((name) => [name, stored[name] ?? null]));
  return planLimitsSchema.parse(complete);
}

/** Plan limits with a workspace's overrides applied (an override of null lifts the limit). */
export function applyOverrides(planLimits: PlanLimits, overrides: LimitOverrides): PlanLimits {
  const merged = { ...planLimits };
  for (const name of limitNames) {
    if (name in overrides && overrides[name] !== undefined) merged[name] = overrides[name] ?? null;
  }
  return merged;
}

export const planColumns = `p.id, p.name, p.limits, p.is_default AS "isDefault", p.created_at AS "createdAt", p.updated_at AS "updatedAt"`;

/** The limits and status of a workspace, inside an open control-plane transaction. */
export async function findEffectiveLimits(transaction: Queryable, workspaceId: string): Promise<EffectiveLimits> {
  const { rows } = await transaction.query<{
    organizationId: string;
    planId: string;
    planLimits: Record<string, unknown>;
    overrides: Record<string, unknown>;
    organizationStatus: 'active' | 'suspended';
    workspaceStatus: 'active' | 'suspended';
  }>(
    `SELECT w.organization_id AS "organizationId", o.plan_id AS "planId", p.limits AS "planLimits",
            w.limit_overrides AS overrides, o.status AS "organizationStatus", w.status AS "workspaceStatus"
     FROM workspaces w
     JOIN organizations o ON o.id = w.organization_id
     JOIN plans p ON p.id = o.plan_id
     WHERE w.id = $1`,
    [workspaceId],
  );
  const row = rows[0];
  if (!row) throw notFound(`Workspace "${workspaceId}" not found`);
  const overrides = limitOverridesSchema.parse(row.overrides);
  return {
    workspaceId,
    organizationId: row.organizationId,
    planId: row.planId,
    limits: applyOverrides(completeLimits(row.planLimits), overrides),
    overrides,
    organizationStatus: row.organizationStatus,
    workspaceStatus: row.workspaceStatus,
  };
}

export function getEffectiveLimits(database: Database, workspaceId: string): Promise<EffectiveLimits> {
  return withControlPlane(database, (transaction) => findEffectiveLimits(transaction, workspaceId));
}

export function listPlans(database: Database): Promise<Plan[]> {
  return withControlPlane(database, async (transaction) => {
    const { rows } = await transaction.query<Plan & { limits: Record<string, unknown> }>(`SELECT ${planColumns} FROM plans p ORDER BY p.id`);
    return rows.map((row) => ({ ...row, limits: completeLimits(row.limits) }));
  });
}
