// The one object that says which tenant a piece of work belongs to. Derived from the API key
// and the request path (or the CLI's resolved arguments), never from a request body or model output.
// createWorkspaceContext() is the only place one is built: validated, its graph group derived, frozen.
import { z } from 'zod';

export const apiKeyScopes = ['chat', 'search', 'documents:write', 'admin'] as const;
export type ApiKeyScope = (typeof apiKeyScopes)[number];

export interface WorkspaceContext {
  readonly organizationId: string;
  readonly workspaceId: string;
  readonly graphGroup: string;
  readonly apiKeyId: string | null;
  readonly customerId: string | null;
  readonly scopes: readonly ApiKeyScope[];
}

/** The graph group of a workspace: derived from its id, stored on its row, never taken from input. */
export function graphGroupFor(workspaceId: string): string {
  return `ws_${workspaceId.replaceAll('-', '')}`;
}

/** End-customer labels (X-Customer-Id, chat customer_id): printable, bounded, no separators that need escaping. */
export const customerIdSchema = z.string().regex(/^[A-Za-z0-9._:@-]{1,200}$/, 'must be 1-200 characters of letters, digits and . _ : @ -');

const contextInputSchema = z.strictObject({
  organizationId: z.uuid(),
  workspaceId: z.uuid(),
  apiKeyId: z.uuid().nullable().default(null),
  customerId: customerIdSchema.nullable().default(null),
  /** Operators (CLI, platform and organization admins) act with every scope. */
  scopes: z.array(z.enum(apiKeyScopes)).default([...apiKeyScopes]),
});

export type WorkspaceContextInput = z.input<typeof contextInputSchema>;

export class InvalidWorkspaceContextError extends Error {
  override name = 'InvalidWorkspaceContextError';
}

/** Builds a frozen WorkspaceContext; ids are lower-cased UUIDs and the graph group is derived from the workspace. */
export function createWorkspaceContext(input: WorkspaceContextInput): WorkspaceContext {
  const parsed = contextInputSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new InvalidWorkspaceContextError(`Invalid workspace context: ${problems}`);
  }
  const { organizationId, workspaceId, apiKeyId, customerId, scopes } = parsed.data;
  const workspace = workspaceId.toLowerCase();
  return Object.freeze({
    organizationId: organizationId.toLowerCase(),
    workspaceId: workspace,
    graphGroup: graphGroupFor(workspace),
    apiKeyId: apiKeyId?.toLowerCase() ?? null,
    customerId,
    scopes: Object.freeze([...new Set(scopes)]),
  });
}

/**
 * A WorkspaceContext exactly as createWorkspaceContext() builds it: frozen, valid ids, the graph group
 * derived from the workspace. For code that receives one through an untyped channel (a LangChain
 * RunnableConfig); parsing returns the very object it was given.
 */
export const workspaceContextSchema = z.custom<WorkspaceContext>((value) => {
  if (typeof value !== 'object' || value === null || !Object.isFrozen(value)) return false;
  const context = value as WorkspaceContext;
  const shape = contextInputSchema.safeParse({
    organizationId: context.organizationId,
    workspaceId: context.workspaceId,
    apiKeyId: context.apiKeyId,
    customerId: context.customerId,
    scopes: Array.isArray(context.scopes) ? [...context.scopes] : context.scopes,
  });
  return shape.success && context.graphGroup === graphGroupFor(context.workspaceId);
}, 'must be a WorkspaceContext built by createWorkspaceContext()');

/** The same context for another end customer (a chat body's customer_id). */
export function withCustomer(context: WorkspaceContext, customerId: string | null): WorkspaceContext {
  const { organizationId, workspaceId, apiKeyId, scopes } = context;
  return createWorkspaceContext({ organizationId, workspaceId, apiKeyId, customerId, scopes: [...scopes] });
}
