// What each route demands of the caller, and the check that turns a principal plus the request
// path into a WorkspaceContext (ARCHITECTURE.md invariant 1: derived, never supplied).
import { isUuid } from '../db/workspace-scope.ts';
import { forbidden, insufficientScope, notFound, organizationMismatch, workspaceMismatch } from '../errors.ts';
import { createWorkspaceContext, type ApiKeyScope, type WorkspaceContext } from '../tenancy/workspace-context.ts';
import type { Principal } from './principal.ts';

export type RouteAccess =
  /** No key needed (health, readiness, API docs). */
  | { kind: 'public' }
  /**
   * RAGSPACE_ADMIN_KEY or the embedded bootstrap key. With `over: 'workspace'` the path parameter `id`
   * names a workspace, and a key of another workspace is told workspace_mismatch as on every
   * /workspaces/:id route (a key of that workspace itself: forbidden).
   */
  | { kind: 'platform_admin'; over?: 'workspace' }
  /** The platform admin, or RAGSPACE_METRICS_TOKEN (a scrape credential that is no principal; GET /metrics). */
  | { kind: 'metrics' }
  /** The organization in path parameter `id`: the platform admin or that organization's admin keys. */
  | { kind: 'organization' }
  /**
   * The workspace in path parameter `id`: a key of that workspace holding one of `scopes` (admin holds
   * them all; an empty list means any scope), that workspace's organization admin, or the platform admin.
   */
  | { kind: 'workspace'; scopes: readonly ApiKeyScope[] }
  /**
   * The workspace of the presented key, for routes with no workspace in their path (the
   * OpenAI-compatible /v1 API): only a workspace key holding one of `scopes` (admin holds them all).
   */
  | { kind: 'key_workspace'; scopes: readonly ApiKeyScope[] };

/** Constructors for route `config.access`. */
export const access = {
  public: (): RouteAccess => ({ kind: 'public' }),
  platformAdmin: (over?: 'workspace'): RouteAccess => ({ kind: 'platform_admin', ...(over ? { over } : {}) }),
  metrics: (): RouteAccess => ({ kind: 'metrics' }),
  organization: (): RouteAccess => ({ kind: 'organization' }),
  workspace: (...scopes: ApiKeyScope[]): RouteAccess => ({ kind: 'workspace', scopes }),
  keyWorkspace: (...scopes: ApiKeyScope[]): RouteAccess => ({ kind: 'key_workspace', scopes }),
};

/** The workspace facts an admin's request needs; read from the control plane. */
export interface WorkspaceLocation {
  id: string;
  organizationId: string;
  graphGroup: string;
}

const workspaceMismatchMessage = 'This API key is not valid for the requested workspace';
const organizationMismatchMessage = 'This API key is not valid for the requested organization';

function describeAccess(accessRule: RouteAccess): string {
  switch (accessRule.kind) {
    case 'platform_admin':
      return 'the platform admin key';
    case 'metrics':
      return 'the platform admin key or the metrics token';
    case 'organization':
      return "the platform admin key or this organization's admin key";
    default:
      return 'a different key';
  }
}

function workspaceKeyContext(
  principal: Extract<Principal, { kind: 'workspace_key' }>,
  requestedId: string,
  scopes: readonly ApiKeyScope[],
  customerId: string | null,
): WorkspaceContext {
  // A plain comparison, before any lookup: the answer is the same whether or not the other workspace exists.
  if (requestedId.toLowerCase() !== principal.workspaceId.toLowerCase()) throw workspaceMismatch(workspaceMismatchMessage);
  const holdsScope = principal.scopes.includes('admin') || scopes.length === 0 || scopes.some((scope) => principal.scopes.includes(scope));
  if (!holdsScope) {
    throw insufficientScope(`This route needs a key with scope ${scopes.join(' or ')} (or admin)`, {
      required: scopes,
      granted: principal.scopes,
    });
  }
  return createWorkspaceContext({
    organizationId: principal.organizationId,
    workspaceId: principal.workspaceId,
    apiKeyId: principal.apiKeyId,
    customerId,
    scopes: [...principal.scopes],
  });
}

/** Throws workspace_mismatch when `pathId` is not a workspace this tenant principal belongs to (as workspace routes do). */
async function refuseForeignWorkspace(
  principal: Exclude<Principal, { kind: 'platform_admin' }>,
  pathId: string,
  findWorkspace: AuthorizationInput['findWorkspace'],
): Promise<void> {
  if (principal.kind === 'workspace_key') {
    if (pathId.toLowerCase() !== principal.workspaceId.toLowerCase()) throw workspaceMismatch(workspaceMismatchMessage);
    return;
  }
  const workspace = isUuid(pathId) ? await findWorkspace(pathId.toLowerCase()) : null;
  if (!workspace || workspace.organizationId !== principal.organizationId) throw workspaceMismatch(workspaceMismatchMessage);
}

export interface AuthorizationInput {
  access: RouteAccess;
  principal: Principal;
  /** Path parameter `id` (organization or workspace, per `access`), unvalidated. */
  pathId: string | undefined;
  customerId: string | null;
  findWorkspace: (id: string) => Promise<WorkspaceLocation | null>;
}

/**
 * Throws 403/404 unless the principal may use the route; for workspace routes returns the
 * request's WorkspaceContext (and for every other route null).
 */
export async function authorize(input: AuthorizationInput): Promise<WorkspaceContext | null> {
  const { access: accessRule, principal, pathId = '', customerId } = input;
  switch (accessRule.kind) {
    case 'public':
      return null;
    case 'platform_admin':
      if (principal.kind === 'platform_admin') return null;
      if (accessRule.over === 'workspace') await refuseForeignWorkspace(principal, pathId, input.findWorkspace);
      throw forbidden(`This route needs ${describeAccess(accessRule)}`);
    case 'metrics':
      if (principal.kind !== 'platform_admin') throw forbidden(`This route needs ${describeAccess(accessRule)}`);
      return null;
    case 'organization':
      if (principal.kind === 'platform_admin') return null;
      if (principal.kind === 'organization_admin') {
        if (pathId.toLowerCase() !== principal.organizationId.toLowerCase()) throw organizationMismatch(organizationMismatchMessage);
        return null;
      }
      throw forbidden(`This route needs ${describeAccess(accessRule)}`);
    case 'key_workspace':
      if (principal.kind !== 'workspace_key') {
        throw forbidden('This route needs a workspace API key (rsk_…): the key chooses the workspace');
      }
      return workspaceKeyContext(principal, principal.workspaceId, accessRule.scopes, customerId);
    case 'workspace': {
      if (principal.kind === 'workspace_key') return workspaceKeyContext(principal, pathId, accessRule.scopes, customerId);
      const workspace = isUuid(pathId) ? await input.findWorkspace(pathId.toLowerCase()) : null;
      if (principal.kind === 'organization_admin') {
        // Missing and foreign workspaces look alike to an organization admin.
        if (!workspace || workspace.organizationId !== principal.organizationId) throw workspaceMismatch(workspaceMismatchMessage);
      } else if (!workspace) {
        throw notFound(`Workspace "${pathId}" not found`);
      }
      return createWorkspaceContext({
        organizationId: workspace.organizationId,
        workspaceId: workspace.id,
        apiKeyId: principal.kind === 'organization_admin' ? principal.organizationApiKeyId : principal.apiKeyId,
        customerId,
      });
    }
  }
}
