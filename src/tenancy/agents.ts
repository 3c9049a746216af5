// Agents: a workspace's assistant configurations (prompt, model, tools). Tenant data.
import { z } from 'zod';
import type { Database, Queryable } from '../db/database.ts';
import { isUuid, withWorkspace, type WorkspaceScope } from '../db/workspace-scope.ts';
import { conflict, isUniqueViolation, notFound } from '../errors.ts';
import { cursorTimeColumn, pageClauses, toPage, type Page, type PageRequest } from './pagination.ts';
import { nameSchema, parseInput, slugSchema, slugify } from './validation.ts';

export const agentToolNames = [
  'vector_search',
  'hybrid_search',
  'text_search',
  'graph_search',
  'get_document',
  'list_documents',
  'get_entity_relationships',
  'get_entity_timeline',
] as const;
export type AgentToolName = (typeof agentToolNames)[number];

export const defaultSystemPrompt = [
  'You answer questions using only the knowledge of this workspace.',
  'Search before you answer, cite the chunks you used, and say plainly when the documents do not contain the answer.',
].join(' ');

export interface Agent {
  id: string;
  workspaceId: string;
  slug: string;
  name: string;
  systemPrompt: string;
  model: string | null;
  temperature: number;
  enabledTools: AgentToolName[];
  maxToolRounds: number;
  isDefault: boolean;
  createdAt: Date;
  updatedAt: Date;
}

const columns = `id, workspace_id AS "workspaceId", slug, name, system_prompt AS "systemPrompt", model, temperature,
  enabled_tools AS "enabledTools", max_tool_rounds AS "maxToolRounds", is_default AS "isDefault",
  created_at AS "createdAt", updated_at AS "updatedAt"`;

const agentFields = {
  name: nameSchema,
  slug: slugSchema.optional(),
  systemPrompt: z.string().trim().min(1).max(20_000).optional(),
  model: z.string().trim().min(1).max(200).nullable().optional(),
  temperature: z.number().min(0).max(2).optional(),
  enabledTools: z.array(z.enum(agentToolNames)).max(agentToolNames.length).optional(),
  maxToolRounds: z.number().int().min(0).max(20).optional(),
};
export const createAgentSchema = z.strictObject(agentFields);
export const updateAgentSchema = z.strictObject({ ...agentFields, name: nameSchema.optional() });

function translateUniqueViolation(slug: string | undefined) {
  return (error: unknown): never => {
    if (isUniqueViolation(error)) throw conflict(`An agent with slug "${slug}" already exists in this workspace`);
    throw error;
  };
}

/** Inserts an agent in an open transaction (tenant, or control plane when a workspace is created). */
export async function insertAgent(
  transaction: Queryable,
  workspaceId: string,
  input: z.output<typeof createAgentSchema>,
  isDefault = false,
): Promise<Agent> {
  const { rows } = await transaction.query<Agent>(
    `INSERT INTO agents (workspace_id, slug, name, system_prompt, model, temperature, enabled_tools, max_tool_rounds, is_default)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${columns}`,
    [
      workspaceId,
      input.slug ?? slugify(input.name),
      input.name,
      input.systemPrompt ?? defaultSystemPrompt,
      input.model ?? null,
      input.temperature ?? 0,
      input.enabledTools ?? [...agentToolNames],
      input.maxToolRounds ?? 4,
      isDefault,
    ],
  );
  return rows[0]!;
}

export async function createAgent(database: Database, scope: WorkspaceScope, input: z.input<typeof createAgentSchema>): Promise<Agent> {
  const parsed = parseInput(createAgentSchema, input);
  return withWorkspace(database, scope, (transaction) => insertAgent(transaction, scope.workspaceId, parsed)).catch(
    translateUniqueViolation(parsed.slug ?? slugify(parsed.name)),
  );
}

async function findAgent(transaction: Queryable, workspaceId: string, idOrSlug: string): Promise<Agent> {
  const { rows } = await transaction.query<Agent>(
    `SELECT ${columns} FROM agents WHERE workspace_id = $1 AND ${isUuid(idOrSlug) ? 'id = $2::uuid' : 'slug = $2'}`,
    [workspaceId, idOrSlug],
  );
  if (!rows[0]) throw notFound(`Agent "${idOrSlug}" not found in this workspace`);
  return rows[0];
}

export function getAgent(database: Database, scope: WorkspaceScope, idOrSlug: string): Promise<Agent> {
  return withWorkspace(database, scope, (transaction) => findAgent(transaction, scope.workspaceId, idOrSlug));
}

export function getDefaultAgent(database: Database, scope: WorkspaceScope): Promise<Agent> {
  return withWorkspace(database, scope, async (transaction) => {
    const { rows } = await transaction.query<Agent>(
      `SELECT ${columns} FROM agents WHERE workspace_id = $1 ORDER BY is_default DESC, created_at LIMIT 1`,
      [scope.workspaceId],
    );
    if (!rows[0]) throw notFound('This workspace has no agent; create one first');
    return rows[0];
  });
}

export function listAgents(database: Database, scope: WorkspaceScope): Promise<Agent[]> {
  return withWorkspace(database, scope, async (transaction) => {
    const { rows } = await transaction.query<Agent>(
      `SELECT ${columns} FROM agents WHERE workspace_id = $1 ORDER BY created_at, id`,
      [scope.workspaceId],
    );
    return rows;
  });
}

/** One page of a workspace's agents, oldest first. */
export function listAgentsPage(database: Database, scope: WorkspaceScope, page: PageRequest): Promise<Page<Agent>> {
  return withWorkspace(database, scope, async (transaction) => {
    const clauses = pageClauses('', page, 2);
    const { rows } = await transaction.query<Agent & { cursorTime: string }>(
      `SELECT ${columns}, ${cursorTimeColumn('')} FROM agents WHERE workspace_id = $1 AND ${clauses.where} ${clauses.orderAndLimit}`,
      [scope.workspaceId, ...clauses.parameters],
    );
    return toPage(rows, page);
  });
}

export async function updateAgent(
  database: Database,
  scope: WorkspaceScope,
  idOrSlug: string,
  input: z.input<typeof updateAgentSchema>,
): Promise<Agent> {
  const changes = parseInput(updateAgentSchema, input);
  return withWorkspace(database, scope, async (transaction) => {
    const current = await findAgent(transaction, scope.workspaceId, idOrSlug);
    const next = { ...current, ...Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)) };
    const { rows } = await transaction.query<Agent>(
      `UPDATE agents SET slug = $3, name = $4, system_prompt = $5, model = $6, temperature = $7, enabled_tools = $8,
         max_tool_rounds = $9, updated_at = now()
       WHERE workspace_id = $1 AND id = $2 RETURNING ${columns}`,
      [scope.workspaceId, current.id, next.slug, next.name, next.systemPrompt, next.model, next.temperature, next.enabledTools, next.maxToolRounds],
    );
    return rows[0]!;
  }).catch(translateUniqueViolation(changes.slug));
}

export function deleteAgent(database: Database, scope: WorkspaceScope, idOrSlug: string): Promise<void> {
  return withWorkspace(database, scope, async (transaction) => {
    const agent = await findAgent(transaction, scope.workspaceId, idOrSlug);
    await transaction.query('DELETE FROM agents WHERE workspace_id = $1 AND id = $2', [scope.workspaceId, agent.id]);
  });
}
