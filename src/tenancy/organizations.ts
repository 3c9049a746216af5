// Organizations: the billing and administration parent of workspaces. Control-plane data.
import { z } from 'zod';
import type { Database, Queryable } from '../db/database.ts';
import { isUuid, withControlPlane } from '../db/workspace-scope.ts';
import { conflict, isUniqueViolation, notFound } from '../errors.ts';
import { cursorTimeColumn, pageClauses, toPage, type Page, type PageRequest } from './pagination.ts';
import { nameSchema, parseInput, slugSchema, slugify } from './validation.ts';

export interface Organization {
  id: string;
  slug: string;
  name: string;
  createdAt: Date;
  updatedAt: Date;
}

const columns = 'id, slug, name, created_at AS "createdAt", updated_at AS "updatedAt"';

export const createOrganizationSchema = z.strictObject({ name: nameSchema, slug: slugSchema.optional() });
export const updateOrganizationSchema = z.strictObject({ name: nameSchema.optional(), slug: slugSchema.optional() });

export async function createOrganization(database: Database, input: z.input<typeof createOrganizationSchema>): Promise<Organization> {
  const { name, slug = slugify(name) } = parseInput(createOrganizationSchema, input);
  try {
    return await withControlPlane(database, async (transaction) => {
      const { rows } = await transaction.query<Organization>(
        `INSERT INTO organizations (slug, name, plan_id) VALUES ($1, $2, (SELECT id FROM plans WHERE is_default)) RETURNING ${columns}`,
        [slug, name],
      );
      return rows[0]!;
    });
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
        `UPDATE organizations SET name = $2, slug = $3, updated_at = now() WHERE id = $1 RETURNING ${columns}`,
        [current.id, changes.name ?? current.name, changes.slug ?? current.slug],
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
