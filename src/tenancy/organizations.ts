// Organizations: the billing and administration parent of workspaces. Control-plane data.
import { z } from 'zod';
import type { Database, Queryable } from '../db/database.ts';
import { isUuid, withControlPlane } from '../db/workspace-scope.ts';
import { conflict, isUniqueViolation, notFound } from '../errors.ts';
import { cursorTimeColumn, pageClauses, toPage, type Page, type PageRequest } from './pagination.ts';
import { contactEmailSchema, nameSchema, parseInput, slugSchema, slugify } from './validation.ts';

export type TenantStatus = 'active' | 'suspended';

export interface Organization {
  id: string;
  slug: string;
  name: string;
  planId: string;
  contactEmail: string | null;
  status: TenantStatus;
  statusChangedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const columns = `id, slug, name, plan_id AS "planId", contact_email AS "contactEmail", status, status_changed_at AS "statusChangedAt",
  created_at AS "createdAt", updated_at AS "updatedAt"`;

export const createOrganizationSchema = z.strictObject({
  name: nameSchema,
  slug: slugSchema.optional(),
  contactEmail: contactEmailSchema.nullable().optional(),
  /** Unset: the default plan. */
  planId: slugSchema.optional(),
});
export const updateOrganizationSchema = z.strictObject({
  name: nameSchema.optional(),
  slug: slugSchema.optional(),
  contactEmail: contactEmailSchema.nullable().optional(),
});
export type CreateOrganizationInput = z.input<typeof createOrganizationSchema>;

/** Inserts an organization inside an open control-plane transaction; a taken slug raises unique_violation (callers map it to 409). */
export async function insertOrganization(transaction: Queryable, input: CreateOrganizationInput): Promise<Organization> {
  const { name, slug = slugify(name), contactEmail = null, planId } = parseInput(createOrganizationSchema, input);
  if (planId !== undefined) {
    const { rows } = await transaction.query('SELECT 1 FROM plans WHERE id = $1', [planId]);
    if (!rows[0]) throw notFound(`Plan "${planId}" not found`);
  }
  const { rows } = await transaction.query<Organization>(
    `INSERT INTO organizations (slug, name, contact_email, plan_id)
     VALUES ($1, $2, $3, coalesce($4, (SELECT id FROM plans WHERE is_default))) RETURNING ${columns}`,
    [slug, name, contactEmail, planId ?? null],
  );
  return rows[0]!;
}

export async function createOrganization(database: Database, input: CreateOrganizationInput): Promise<Organization> {
  const parsed = parseInput(createOrganizationSchema, input);
  const slug = parsed.slug ?? slugify(parsed.name);
  try {
    return await withControlPlane(database, (transaction) => insertOrganization(transaction, parsed));
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict(`An organization with slug "${slug}" already exists`);
    throw error;
  }
}

/** Finds an organization by id or slug inside an open control-plane transaction. */
export async function findOrganization(transaction: Queryable, idOrSlug: string): Promise<Organization> {
  const { rows } = await transaction.query<Organization>(
    `SELECT ${columns} FROM organizations WHERE ${isUuid(idOrSlug) ? 'id = $1::uuid' : 'slug = $1'}`,
    [idOrSlug],
  );
  if (!rows[0]) throw notFound(`Organization "${idOrSlug}" not found`);
  return rows[0];
}

export function getOrganization(database: Database, idOrSlug: string): Promise<Organization> {
  return withControlPlane(database, (transaction) => findOrganization(transaction, idOrSlug));
}

export function listOrganizations(database: Database): Promise<Organization[]> {
  return withControlPlane(database, async (transaction) => {
    const { rows } = await transaction.query<Organization>(`SELECT ${columns} FROM organizations ORDER BY created_at, id`);
    return rows;
  });
}

/** One page of all organizations, oldest first (platform administration). */
export function listOrganizationsPage(database: Database, page: PageRequest): Promise<Page<Organization>> {
  return withControlPlane(database, async (transaction) => {
    const clauses = pageClauses('', page, 1);
    const { rows } = await transaction.query<Organization & { cursorTime: string }>(
      `SELECT ${columns}, ${cursorTimeColumn('')} FROM organizations WHERE ${clauses.where} ${clauses.orderAndLimit}`,
      clauses.parameters,
    );
    return toPage(rows, page);
  });
}

export async function updateOrganization(
  database: Database,
  idOrSlug: string,
  input: z.input<typeof updateOrganizationSchema>,
): Promise<Organization> {
  const changes = parseInput(updateOrganizationSchema, input);
  try {
    return await withControlPlane(database, async (transaction) => {
      const current = await findOrganization(transaction, idOrSlug);
      const { rows } = await transaction.query<Organization>(
        `UPDATE organizations SET name = $2, slug = $3, contact_email = $4, updated_at = now() WHERE id = $1 RETURNING ${columns}`,
        [current.id, changes.name ?? current.name, changes.slug ?? current.slug, changes.contactEmail === undefined ? current.contactEmail : changes.contactEmail],
      );
      return rows[0]!;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict(`An organization with slug "${changes.slug}" already exists`);
    throw error;
  }
}

/** Deletes an organization that has no workspaces left. */
export function deleteOrganization(database: Database, idOrSlug: string): Promise<void> {
  return withControlPlane(database, async (transaction) => {
    const organization = await findOrganization(transaction, idOrSlug);
    const { rows } = await transaction.query<{ count: number }>(
      'SELECT count(*)::int AS count FROM workspaces WHERE organization_id = $1',
      [organization.id],
    );
    if (rows[0]!.count > 0) {
      throw conflict(`Organization "${organization.slug}" still has ${rows[0]!.count} workspace(s); delete them first`);
    }
    await transaction.query('DELETE FROM organizations WHERE id = $1', [organization.id]);
  });
}
