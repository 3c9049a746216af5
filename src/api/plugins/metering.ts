// Quotas and usage for the API. Every authenticated request on a workspace route that is well
// formed (its body parsed and validated) counts against the workspace's requestsPerMonth before
// the handler runs, from blocks this process reserves (tenancy/request-quota-blocks.ts); bad input
// refused with a 4xx before that counts nothing; routes record their billable events through the
// usage recorder, which never makes a request wait.
// Quotas bind tenant credentials (workspace and organization admin keys): the platform admin, like
// the CLI, is the operator and is not limited, though its usage is recorded.
import type { FastifyRequest } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import type { ChatMetering } from '../../agent/chat-service.ts';
import type { Runtime } from '../../runtime.ts';
import type { Clock } from '../../tenancy/clock.ts';
import { readPriceFile, setPrices } from '../../tenancy/prices.ts';
import type { RequestQuotaBlocks } from '../../tenancy/request-quota-blocks.ts';
import type { UsageEvent, UsageRecorder } from '../../tenancy/usage.ts';
import { meterOperation, type MeteredOperation } from '../../tenancy/usage-scope.ts';
import { workspaceContextOf } from './authentication.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The app's quotas and usage recorder (flush it to read usage back at once). */
    metering: ApiMetering;
  }
}

export interface ApiMetering {
  /** Plan quotas are checked (off only for the benchmark's baselines). */
  quotas: boolean;
  clock: Clock;
  /** Where usage rows are queued; null when usage is not recorded (benchmark baselines). */
  usage: UsageRecorder | null;
  /** This process's blocks of requestsPerMonth; null when quotas are off. */
  requestQuota: RequestQuotaBlocks | null;
}

export interface MeteringPluginOptions {
  runtime: Runtime;
  metering: ApiMetering;
}

/** Whether the request's credential is bound by quotas (see the top of this file). */
export function quotasApply(metering: ApiMetering, request: FastifyRequest): boolean {
  return metering.quotas && request.principal !== null && request.principal.kind !== 'platform_admin';
}

/** How a chat turn that this request runs is metered (runChatTurn's ChatDependencies.metering). */
export function chatMeteringOf(metering: ApiMetering, request: FastifyRequest): ChatMetering {
  return { enforceQuotas: quotasApply(metering, request), recordUsage: metering.usage !== null, clock: metering.clock, requestId: request.id };
}

/**
 * Runs a workspace route's billable work: its event (with latency and outcome, success or not)
 * and the embedding and extraction calls beneath it are queued for the usage table.
 */
export function meteredWork<T>(metering: ApiMetering, request: FastifyRequest, operation: Omit<MeteredOperation<T>, 'requestId'>, work: () => Promise<T>): Promise<T> {
  const usage = metering.usage;
  if (!usage) return work();
  const context = workspaceContextOf(request);
  return meterOperation((event: UsageEvent) => usage.record(context, event), { ...operation, requestId: request.id }, work);
}

export const meteringPlugin = fastifyPlugin<MeteringPluginOptions>(
  async (app, { runtime, metering }) => {
    // Prices from RAGSPACE_PRICES take effect before the first request (and in every process that loads the file).
    if (runtime.config.pricesFile) await setPrices(runtime.database, await readPriceFile(runtime.config.pricesFile));
    app.decorate('metering', metering);

    // Present exactly when quotas are on.
    const requestQuota = metering.requestQuota;
    if (!requestQuota) return;
    // preHandler: after authentication (the WorkspaceContext is known) and after the body was parsed
    // and validated, so that a request refused as bad input uses none of the month's allowance.
    app.addHook('preHandler', async (request) => {
      if (!request.workspaceContext || !quotasApply(metering, request)) return;
      await requestQuota.charge(request.workspaceContext.workspaceId);
    });
  },
  { name: 'ragspace-metering', fastify: '5.x', dependencies: ['ragspace-errors', 'ragspace-authentication'] },
);
