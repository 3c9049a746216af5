// The monthly request quota (requestsPerMonth), charged from blocks that each process reserves in
// the database, so that a request costs a counter transaction only once per block instead of once
// per request (measured: that transaction was a third of a searching tenant's extra p99 beside a
// busy neighbour on the embedded database, and most of what HTTP cost over an in-process search).
//
// - A reservation is consumePeriodQuota with the block's size: all or nothing, never past the
//   limit, so the counter still cannot overshoot, whatever the number of processes.
// - The block's size follows what was left at the last reservation: a sixteenth of it, at most
//   `maximumBlock`, one when unknown. So from 31 left down every request is counted in the
//   database one by one, and with L left and N > L requests at once exactly L succeed in every
//   process together.
// - A block lives a second: then what it did not use goes back to its period's counter. Until
//   then the counter includes the process's unused units: another process may refuse a request up
//   to a second early, by at most those units, and a reader of the counter in another process sees
//   them as used. In this process, settle() gives them back before the counter is read.
// - A refusal is the answer for the requests that waited for it; the next request asks again.
// - A process that dies keeps its unused units counted as used (at most one block per workspace):
//   the quota errs towards refusing, never towards serving more than the plan allows.
import type { Database, Queryable } from '../db/database.ts';
import { withWorkspace } from '../db/workspace-scope.ts';
import { RagspaceError, quotaExceeded } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { Clock } from './clock.ts';
import { consumePeriodQuota, periodOf, settleConsumption, type CountedConsumption } from './quotas.ts';

export interface RequestQuotaBlocks {
  /** Counts one request of the workspace; throws quota_exceeded (429) when the month's allowance is used up. */
  charge(workspaceId: string): Promise<void>;
  /** Gives the workspace's unused units back to the counter now, so that a read of the counter is exact. */
  settle(workspaceId: string): Promise<void>;
  /** Gives every workspace's unused units back (the process stops serving). */
  close(): Promise<void>;
}

export interface RequestQuotaBlockOptions {
  clock: Clock;
  logger: Logger;
  /** The largest block a process reserves (default 64). */
  maximumBlock?: number;
  /** How long a block serves before its unused units go back (default 1,000 ms). */
  lifetimeMs?: number;
}

interface Block {
  /** The reservation; amount is what was reserved. */
  consumption: CountedConsumption | null;
  /** Units not yet handed to a request. */
  remaining: number;
  /** The refusal that the requests waiting for this reservation get (no consumption then). */
  refusal: RagspaceError | null;
  /** Date.now() after which new requests no longer take from it. */
  expires: number;
  timer: NodeJS.Timeout | null;
}

interface WorkspaceQuota {
  block: Block | null;
  reserving: Promise<Block> | null;
  /** Left after the last reservation: undefined unknown, null unlimited. */
  left: number | null | undefined;
}

const quota = 'requestsPerMonth';

/** A sixteenth of what is left, so that concurrent processes leave each other most of it. */
export function requestBlockSize(left: number | null | undefined, maximumBlock: number): number {
  if (left === undefined) return 1;
  if (left === null) return maximumBlock;
  return Math.max(1, Math.min(maximumBlock, Math.floor(left / 16)));
}

function isQuotaRefusal(error: unknown): error is RagspaceError & { details: { used: number; limit: number } } {
  return error instanceof RagspaceError && error.code === quotaExceeded.code;
}

export function createRequestQuotaBlocks(database: Database, options: RequestQuotaBlockOptions): RequestQuotaBlocks {
  const { clock, logger } = options;
  const maximumBlock = options.maximumBlock ?? 64;
  const lifetimeMs = options.lifetimeMs ?? 1_000;
  const workspaces = new Map<string, WorkspaceQuota>();

  function stateOf(workspaceId: string): WorkspaceQuota {
    let state = workspaces.get(workspaceId);
    if (!state) {
      // What is left is remembered per workspace seen; beyond this many, forget idle ones (their next block starts at one).
      if (workspaces.size >= 10_000) {
        for (const [id, other] of workspaces) if (!other.block && !other.reserving) workspaces.delete(id);
      }
      state = { block: null, reserving: null, left: undefined };
      workspaces.set(workspaceId, state);
    }
    return state;
  }

  /** Takes the block's unused units away from new requests; returns the consumption to shrink by them. */
  function retire(state: WorkspaceQuota): { consumption: CountedConsumption; unused: number } | null {
    const block = state.block;
    if (!block) return null;
    state.block = null;
    if (block.timer) clearTimeout(block.timer);
    const unused = block.remaining;
    block.remaining = 0;
    return block.consumption && unused > 0 ? { consumption: block.consumption, unused } : null;
  }

  /** Shrinks the retired block's reservation by what it did not use. */
  const giveBack = (transaction: Queryable, workspaceId: string, retired: { consumption: CountedConsumption; unused: number }) =>
    settleConsumption(transaction, workspaceId, retired.consumption, retired.consumption.amount - retired.unused);

  async function settleRetired(workspaceId: string, state: WorkspaceQuota): Promise<void> {
    const retired = retire(state);
    if (!retired) return;
    try {
      await withWorkspace(database, { workspaceId }, (transaction) => giveBack(transaction, workspaceId, retired));
    } catch (error) {
      // Kept as used: the quota errs towards refusing.
      logger.warn({ err: error, workspaceId, units: retired.unused }, 'could not give unused request quota back');
    }
  }

  /** Reserves the next block (giving the previous one's unused units back in the same transaction). */
  async function reserve(workspaceId: string, state: WorkspaceQuota): Promise<Block> {
    const retired = retire(state);
    const now = clock();
    const block = await withWorkspace(database, { workspaceId }, async (transaction): Promise<Block> => {
      if (retired) await giveBack(transaction, workspaceId, retired);
      let wanted = requestBlockSize(state.left, maximumBlock);
      for (;;) {
        try {
          const consumption = await consumePeriodQuota(transaction, workspaceId, quota, wanted, now);
          state.left = consumption.limit === null ? null : consumption.limit - consumption.used;
          return { consumption, remaining: wanted, refusal: null, expires: 0, timer: null };
        } catch (error) {
          if (!isQuotaRefusal(error)) throw error;
          const left = error.details.limit - error.details.used;
          state.left = Math.max(left, 0);
          // Fewer left than this block: ask for a block that fits, down to one request.
          if (left > 0 && wanted > 1) {
            wanted = requestBlockSize(left, Math.min(wanted - 1, maximumBlock));
            continue;
          }
          return { consumption: null, remaining: 0, refusal: error, expires: 0, timer: null };
        }
      }
    });
    if (block.consumption) {
      block.expires = Date.now() + lifetimeMs;
      // An idle workspace's unused units go back on their own; the timer must not keep the process alive.
      if (block.remaining > 1) {
        block.timer = setTimeout(() => {
          if (state.block === block) void settleRetired(workspaceId, state);
        }, lifetimeMs);
        block.timer.unref();
      }
      state.block = block;
    }
    return block;
  }

  return {
    async charge(workspaceId) {
      const state = stateOf(workspaceId);
      const period = periodOf(quota, clock()).start.getTime();
      let awaited: Block | null = null;
      for (;;) {
        const block = state.block;
        // A block serves its own period, until it expires (the requests that waited for it take from it even then).
        if (block && block.remaining > 0 && block.consumption?.periodStart.getTime() === period && (block === awaited || Date.now() < block.expires)) {
          block.remaining -= 1;
          return;
        }
        if (awaited?.refusal) throw awaited.refusal;
        state.reserving ??= reserve(workspaceId, state).finally(() => (state.reserving = null));
        awaited = await state.reserving;
      }
    },

    async settle(workspaceId) {
      const state = workspaces.get(workspaceId);
      if (!state) return;
      await state.reserving?.catch(() => undefined);
      await settleRetired(workspaceId, state);
    },

    async close() {
      await Promise.all([...workspaces.keys()].map((workspaceId) => this.settle(workspaceId)));
      workspaces.clear();
    },
  };
}
