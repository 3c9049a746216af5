// The one object that says which tenant a piece of work belongs to. Derived from the API key
// and the request path (or the CLI's resolved arguments), never from a request body or model output.

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
