// Plans and the limits a workspace runs under: its organization's plan, with the workspace's own
// overrides on top. Every limit is a whole number or null (unlimited). The one schema of a limit
// set, used by the database rows, the admin API and the CLI alike.
import { z } from 'zod';
import type { Database, Queryable } from '../db/database.ts';
import { withControlPlane } from '../db/workspace-scope.ts';
import { conflict, isUniqueViolation, notFound, validationError } from '../errors.ts';
import { recordAuditEvent, type AuditActor } from './audit.ts';
import { findOrganization, type Organization } from './organizations.ts';
import { nameSchema, parseInput, slugSchema } from './validation.ts';
import { findWorkspace, type Workspace } from './workspaces.ts';

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
  /** The plan's limits with the workspace's overrides applied: what the workspace runs under. */
  limits: PlanLimits;
  /** The organization plan's own limits, before the workspace's overrides. */
  planLimits: PlanLimits;
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
  const planLimits = completeLimits(row.planLimits);
  return {
    workspaceId,
    organizationId: row.organizationId,
    planId: row.planId,
    limits: applyOverrides(planLimits, overrides),
    planLimits,
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

/** An organization's plan limits and status: what its organization admin keys run under. */
export interface OrganizationLimits {
  organizationId: string;
  planId: string;
  limits: PlanLimits;
  organizationStatus: 'active' | 'suspended';
}

export function getOrganizationLimits(database: Database, organizationId: string): Promise<OrganizationLimits> {
  return withControlPlane(database, async (transaction) => {
    const { rows } = await transaction.query<{ planId: string; planLimits: Record<string, unknown>; organizationStatus: 'active' | 'suspended' }>(
      `SELECT o.plan_id AS "planId", p.limits AS "planLimits", o.status AS "organizationStatus"
       FROM organizations o JOIN plans p ON p.id = o.plan_id WHERE o.id = $1`,
      [organizationId],
    );
    const row = rows[0];
    if (!row) throw notFound(`Organization "${organizationId}" not found`);
    return { organizationId, planId: row.planId, limits: completeLimits(row.planLimits), organizationStatus: row.organizationStatus };
  });
}

// --- Plan administration (platform admin) -----------------------------------------------------

export const createPlanSchema = z.strictObject({
  id: slugSchema.describe('Plan id: lower-case letters, digits and hyphens'),
  name: nameSchema,
  limits: planLimitsSchema.describe('Every limit: a whole number, or null for unlimited'),
  isDefault: z.boolean().optional().describe('Make this the plan of new organizations (and sign-ups)'),
});
export type CreatePlanInput = z.input<typeof createPlanSchema>;

export const updatePlanSchema = z.strictObject({
  name: nameSchema.optional(),
  limits: limitOverridesSchema.optional().describe('The limits to change; the others keep their value'),
  isDefault: z.literal(true).optional().describe('Make this the default plan (the previous default stops being it)'),
});
export type UpdatePlanInput = z.input<typeof updatePlanSchema>;

async function findPlan(transaction: Queryable, id: string, lock = false): Promise<Plan> {
  const { rows } = await transaction.query<Plan & { limits: Record<string, unknown> }>(
    `SELECT ${planColumns} FROM plans p WHERE p.id = $1${lock ? ' FOR UPDATE' : ''}`,
    [id],
  );
  if (!rows[0]) throw notFound(`Plan "${id}" not found`);
  return { ...rows[0], limits: completeLimits(rows[0].limits) };
}

export function getPlan(database: Database, id: string): Promise<Plan> {
  return withControlPlane(database, (transaction) => findPlan(transaction, id));
}

/** Plan writes are rare; one at a time keeps "exactly one default" simple under concurrency. */
async function lockPlans(transaction: Queryable): Promise<void> {
  await transaction.query('LOCK TABLE plans IN SHARE ROW EXCLUSIVE MODE');
}

async function makeDefault(transaction: Queryable, id: string): Promise<void> {
  // Two statements: the partial unique index is checked row by row.
  await transaction.query('UPDATE plans SET is_default = false, updated_at = now() WHERE is_default AND id <> $1', [id]);
  await transaction.query('UPDATE plans SET is_default = true, updated_at = now() WHERE id = $1', [id]);
}

export async function createPlan(database: Database, input: CreatePlanInput, actor: AuditActor): Promise<Plan> {
  const { id, name, limits, isDefault = false } = parseInput(createPlanSchema, input);
  try {
    return await withControlPlane(database, async (transaction) => {
      await lockPlans(transaction);
      await transaction.query('INSERT INTO plans (id, name, limits) VALUES ($1, $2, $3)', [id, name, limits]);
      if (isDefault) await makeDefault(transaction, id);
      await recordAuditEvent(transaction, actor, { action: 'plan.created', organizationId: null, target: { type: 'plan', id }, details: { name, limits, isDefault } });
      return findPlan(transaction, id);
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict(`A plan "${id}" already exists`);
    throw error;
  }
}

export function updatePlan(database: Database, id: string, input: UpdatePlanInput, actor: AuditActor): Promise<Plan> {
  const changes = parseInput(updatePlanSchema, input);
  return withControlPlane(database, async (transaction) => {
    await lockPlans(transaction);
    const current = await findPlan(transaction, id, true);
    const limits = applyOverrides(current.limits, changes.limits ?? {});
    await transaction.query('UPDATE plans SET name = $2, limits = $3, updated_at = now() WHERE id = $1', [id, changes.name ?? current.name, limits]);
    if (changes.isDefault) await makeDefault(transaction, id);
    await recordAuditEvent(transaction, actor, {
      action: 'plan.updated',
      organizationId: null,
      target: { type: 'plan', id },
      details: { before: { name: current.name, limits: current.limits, isDefault: current.isDefault }, changes },
    });
    return findPlan(transaction, id);
  });
}

/** Deletes a plan that no organization uses and that is not the default. */
export function deletePlan(database: Database, id: string, actor: AuditActor): Promise<void> {
  return withControlPlane(database, async (transaction) => {
    await lockPlans(transaction);
    const plan = await findPlan(transaction, id, true);
    if (plan.isDefault) throw conflict(`Plan "${id}" is the default plan; make another plan the default first`);
    const { rows } = await transaction.query<{ count: number }>('SELECT count(*)::int AS count FROM organizations WHERE plan_id = $1', [id]);
    if (rows[0]!.count > 0) throw conflict(`Plan "${id}" is used by ${rows[0]!.count} organization(s); move them to another plan first`);
    await transaction.query('DELETE FROM plans WHERE id = $1', [id]);
    await recordAuditEvent(transaction, actor, { action: 'plan.deleted', organizationId: null, target: { type: 'plan', id }, details: { name: plan.name, limits: plan.limits } });
  });
}

/** Moves an organization to another plan; its workspaces' overrides stay. */
export function setOrganizationPlan(database: Database, organizationReference: string, planId: string, actor: AuditActor): Promise<Organization> {
  const id = parseInput(slugSchema, planId);
  return withControlPlane(database, async (transaction) => {
    const organization = await findOrganization(transaction, organizationReference);
    await findPlan(transaction, id);
    if (organization.planId === id) return organization;
    await transaction.query('UPDATE organizations SET plan_id = $2, updated_at = now() WHERE id = $1', [organization.id, id]);
    await recordAuditEvent(transaction, actor, {
      action: 'organization.plan_changed',
      organizationId: organization.id,
      target: { type: 'organization', id: organization.id },
      details: { from: organization.planId, to: id },
    });
    return findOrganization(transaction, organization.id);
  });
}

export interface LimitOverridesChange {
  /** Replace every override with these. */
  replace?: LimitOverrides;
  /** Set these (null: unlimited), keeping the others. */
  set?: LimitOverrides;
  /** Drop these overrides: the plan's value applies again. */
  unset?: readonly string[];
}

/** Changes a workspace's limit overrides in one transaction (no lost update between read and write). */
export function changeWorkspaceLimitOverrides(
  database: Database,
  workspaceReference: string,
  change: LimitOverridesChange,
  actor: AuditActor,
): Promise<Workspace> {
  const replace = change.replace === undefined ? undefined : parseInput(limitOverridesSchema, change.replace);
  const set = parseInput(limitOverridesSchema, change.set ?? {});
  const unknown = (change.unset ?? []).filter((name) => !(limitNames as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw validationError(`Unknown limit ${unknown.join(', ')}; limits are ${limitNames.join(', ')}`, unknown.map((name) => ({ path: 'unset', message: `unknown limit ${name}` })));
  }
  return withControlPlane(database, async (transaction) => {
    const workspace = await findWorkspace(transaction, workspaceReference);
    const { rows } = await transaction.query<{ overrides: Record<string, unknown> }>(
      'SELECT limit_overrides AS overrides FROM workspaces WHERE id = $1 FOR UPDATE',
      [workspace.id],
    );
    const before = limitOverridesSchema.parse(rows[0]!.overrides);
    const after: Record<string, number | null> = { ...(replace ?? before), ...set };
    for (const name of change.unset ?? []) delete after[name];
    await transaction.query('UPDATE workspaces SET limit_overrides = $2, updated_at = now() WHERE id = $1', [workspace.id, after]);
    await recordAuditEvent(transaction, actor, {
      action: 'workspace.limits_changed',
      organizationId: workspace.organizationId,
      workspaceId: workspace.id,
      target: { type: 'workspace', id: workspace.id },
      details: { before, after },
    });
    return findWorkspace(transaction, workspace.id);
  });
}
