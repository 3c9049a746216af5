// The graph group is the workspace's partition of the graph. It only ever comes from the
// WorkspaceContext (derived from the workspace row), and an empty or malformed one is an error:
// graphiti searches every group when the group list is empty; we refuse instead.
import { validationError } from '../errors.ts';
import type { WorkspaceContext } from '../tenancy/workspace-context.ts';

const groupPattern = /^[A-Za-z0-9_]{1,64}$/;

export function requireGraphGroup(context: WorkspaceContext): string {
  const group = context.graphGroup;
  if (typeof group !== 'string' || group.length === 0) {
    throw validationError('The workspace context has no graph group; graph access needs the workspace-derived group');
  }
  if (!groupPattern.test(group)) {
    throw validationError(`The graph group "${group}" is malformed (expected letters, digits and underscores)`);
  }
  return group;
}
