// Workspaces: the tenant. Creating one also creates its default agent; deleting one removes all its data.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Database, Queryable } from '../db/database.ts';
import { isTransactionConflict } from '../db/database-errors.ts';
import { isUuid, withControlPlane } from '../db/workspace-scope.ts';
import { confirmationMismatch, conflict, isUniqueViolation, notFound, validationError } from '../errors.ts';
import { insertAgent } from './agents.ts';
import { recordAuditEvent, type AuditActor } from './audit.ts';
import { findOrganization, type TenantStatus } from './organizations.ts';
import { cursorTimeColumn, pageClauses, toPage, type Page, type PageRequest } from './pagination.ts';
import type { LimitOverrides } from './plans.ts';
import { jsonObjectSchema, nameSchema, parseInput, slugSchema, slugify } from './validation.ts';
import { graphGroupFor } from './workspace-context.ts';
import { dropVectorIndex } from '../search/vector-index.ts';

export interface Workspace {
  id: string;
  organizationId: string;
  slug: string;
  name: string;
  graphGroup: string;
  settings: Record<string, unknown>;
  status: TenantStatus;
  statusChangedAt: Date | null;
  /** The limits this workspace has instead of its plan's (plans.ts). */
  limitOverrides: LimitOverrides;
  createdAt: Date;
  updatedAt: Date;
}

const columns = `w.id, w.organization_id AS "organizationId", w.slug, w.name, w.graph_group AS "graphGroup",
  w.settings, w.status, w.status_changed_at AS "statusChangedAt", w.limit_overrides AS "limitOverrides",
  w.created_at AS "createdAt", w.updated_at AS "updatedAt"`;

export const maximumSettingsBytes = 16 * 1024;
const settingsSchema = jsonObjectSchema(maximumSettingsBytes).describe(
  `Free-form workspace settings (a JSON object of at most ${maximumSettingsBytes} bytes as UTF-8 JSON)`,
);

/** A new workspace; the API's body is this without `organization`, which the path names. */
export const createWorkspaceSchema = z.strictObject({
  organization: z.string().min(1),
  name: nameSchema,
  slug: slugSchema.optional(),
  settings: settingsSchema.optional(),
});
export const updateWorkspaceSchema = z.strictObject({
  name: nameSchema.optional(),
  slug: slugSchema.optional(),
  settings: settingsSchema.optional(),
});

function slugTaken(slug: string | undefined) {
  return (error: unknown): never => {
    if (isUniqueViolation(error)) throw conflict(`A workspace with slug "${slug}" already exists in this organization`);
    throw error;
  };
}

/** Inserts a workspace and its default agent inside an open control-plane transaction. */
export async function insertWorkspace(transaction: Queryable, input: z.input<typeof createWorkspaceSchema>): Promise<Workspace> {
  const { organization, name, slug = slugify(name), settings = {} } = parseInput(createWorkspaceSchema, input);
  const parent = await findOrganization(transaction, organization);
  const id = randomUUID();
  await transaction.query(
    `INSERT INTO workspaces (id, organization_id, slug, name, graph_group, settings) VALUES ($1, $2, $3, $4, $5, $6)`,
    [id, parent.id, slug, name, graphGroupFor(id), settings],
  );
  await insertAgent(transaction, id, { name: 'Default agent', slug: 'default' }, true);
  return findWorkspace(transaction, id);
}

export async function createWorkspace(database: Database, input: z.input<typeof createWorkspaceSchema>): Promise<Workspace> {
  const { name, slug = slugify(name) } = parseInput(createWorkspaceSchema, input);
  return withControlPlane(database, (transaction) => insertWorkspace(transaction, input)).catch(slugTaken(slug));
}

/**
 * Finds a workspace by id, by "organization-slug/workspace-slug", or by a workspace slug that is
 * unique across organizations. Runs inside an open control-plane transaction.
 */
export async function findWorkspace(transaction: Queryable, reference: string): Promise<Workspace> {
  let rows: Workspace[];
  if (isUuid(reference)) {
    ({ rows } = await transaction.query<Workspace>(`SELECT ${columns} FROM workspaces w WHERE w.id = $1::uuid`, [reference]));
  } else if (reference.includes('/')) {
    const [organizationSlug, workspaceSlug] = reference.split('/', 2);
    ({ rows } = await transaction.query<Workspace>(
      `SELECT ${columns} FROM workspaces w JOIN organizations o ON o.id = w.organization_id WHERE o.slug = $1 AND w.slug = $2`,
      [organizationSlug, workspaceSlug],
    ));
  } else {
    ({ rows } = await transaction.query<Workspace>(`SELECT ${columns} FROM workspaces w WHERE w.slug = $1 LIMIT 2`, [reference]));
    if (rows.length > 1) {
      throw validationError(`Several organizations have a workspace "${reference}"; write it as organization-slug/${reference}`);
    }
  }
  if (!rows[0]) throw notFound(`Workspace "${reference}" not found`);
  return rows[0];
}

export function getWorkspace(database: Database, reference: string): Promise<Workspace> {
  return withControlPlane(database, (transaction) => findWorkspace(transaction, reference));
}

export function listWorkspaces(database: Database, organizationReference: string): Promise<Workspace[]> {
  return withControlPlane(database, async (transaction) => {
    const organization = await findOrganization(transaction, organizationReference);
    const { rows } = await transaction.query<Workspace>(
      `SELECT ${columns} FROM workspaces w WHERE w.organization_id = $1 ORDER BY w.created_at, w.id`,
      [organization.id],
    );
    return rows;
  });
}

/** One page of an organization's workspaces, oldest first. */
export function listWorkspacesPage(database: Database, organizationReference: string, page: PageRequest): Promise<Page<Workspace>> {
  return withControlPlane(database, async (transaction) => {
    const organization = await findOrganization(transaction, organizationReference);
    const clauses = pageClauses('w', page, 2);
    const { rows } = await transaction.query<Workspace & { cursorTime: string }>(
      `SELECT ${columns}, ${cursorTimeColumn('w')} FROM workspaces w WHERE w.organization_id = $1 AND ${clauses.where} ${clauses.orderAndLimit}`,
      [organization.id, ...clauses.parameters],
    );
    return toPage(rows, page);
  });
}

export async function updateWorkspace(database: Database, reference: string, input: z.input<typeof updateWorkspaceSchema>): Promise<Workspace> {
  const changes = parseInput(updateWorkspaceSchema, input);
  return withControlPlane(database, async (transaction) => {
    const current = await findWorkspace(transaction, reference);
    await transaction.query(
      `UPDATE workspaces SET name = $2, slug = $3, settings = $4, updated_at = now() WHERE id = $1`,
      [current.id, changes.name ?? current.name, changes.slug ?? current.slug, changes.settings ?? current.settings],
    );
    return findWorkspace(transaction, current.id);
  }).catch(slugTaken(changes.slug));
}

/**
 * Removes a workspace and, by cascade, every row of its documents, chunks, graph, agents, keys, sessions and usage.
 * With `confirmSlug`, refuses (422) unless it equals the workspace's slug, checked in the same transaction as the delete.
 */
export async function deleteWorkspace(
  database: Database,
  reference: string,
  options: { confirmSlug?: string; actor?: AuditActor } = {},
): Promise<Workspace> {
  // The cascade takes many rows' locks while the workspace may still be written (an upload, a job,
  // usage rows): a deadlock rolls one side back, and when it is this delete, it runs again.
  const deleted = await retryOnTransactionConflict(() => withControlPlane(database, async (transaction) => {
    const workspace = await findWorkspace(transaction, reference);
    if (options.confirmSlug !== undefined && options.confirmSlug !== workspace.slug) {
      throw confirmationMismatch(`Deleting a workspace is irreversible: confirm with the workspace's slug (confirm=${workspace.slug})`);
    }
    await transaction.query('DELETE FROM workspaces WHERE id = $1', [workspace.id]);
    if (options.actor) {
      await recordAuditEvent(transaction, options.actor, {
        action: 'workspace.deleted',
        organizationId: workspace.organizationId,
        workspaceId: workspace.id,
        target: { type: 'workspace', id: workspace.id },
        details: { slug: workspace.slug, name: workspace.name },
      });
    }
    return workspace;
  }));
  // Its own vector index, if it had one, goes with it (after the commit: dropped concurrently).
  await dropVectorIndex(database, deleted.id);
  return deleted;
}

/** Runs `transaction` again (up to three times in all) when the database rolled it back for a deadlock or a serialization failure. */
async function retryOnTransactionConflict<T>(transaction: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await transaction();
    } catch (error) {
      if (attempt >= 3 || !isTransactionConflict(error)) throw error;
    }
  }
}
