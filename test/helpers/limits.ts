// Plan limits for tests: a workspace's overrides set directly in the control plane (the admin API
// for them is another part of issue 9), and a deferred promise to hold a model reply in flight.
import type { Database } from '../../src/db/database.ts';
import { withControlPlane } from '../../src/db/workspace-scope.ts';
import type { LimitOverrides } from '../../src/tenancy/plans.ts';

export async function setLimitOverrides(database: Database, workspaceId: string, overrides: LimitOverrides): Promise<void> {
  await withControlPlane(database, (transaction) =>
    transaction.query('UPDATE workspaces SET limit_overrides = limit_overrides || $2::jsonb WHERE id = $1', [workspaceId, JSON.stringify(overrides)]),
  );
}

export interface Gate {
  promise: Promise<void>;
  open(): void;
}

/** A promise the test resolves when it chooses (model replies held until every request is in). */
export function gate(): Gate {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** How many of `statuses` equal `status`. */
export function countStatus(statuses: readonly number[], status: number): number {
  return statuses.filter((value) => value === status).length;
}
