// Counts every answered request (route template, status, latency) and every quota refusal into
// the process's Prometheus registry (observability/metrics.ts); GET /metrics (routes/metrics.ts)
// renders it.
import fastifyPlugin from 'fastify-plugin';
import { RagspaceError } from '../../errors.ts';
import { configureMetrics, countQuotaRejection, recordHttpRequest } from '../../observability/metrics.ts';

export interface MetricsOptions {
  /** RAGSPACE_METRICS_WORKSPACE_LABELS: a workspace label on per-request counters (cardinality: one series per workspace). */
  workspaceLabels: boolean;
}

const quotaErrorCodes = new Set(['quota_exceeded', 'storage_quota_exceeded']);

export const metricsPlugin = fastifyPlugin<MetricsOptions>(
  async (app, { workspaceLabels }) => {
    configureMetrics({ workspaceLabels });

    app.addHook('onError', async (request, _reply, error) => {
      if (error instanceof RagspaceError && quotaErrorCodes.has(error.code)) {
        const quota = (error.details as { quota?: unknown } | undefined)?.quota;
        countQuotaRejection({ workspaceId: request.workspaceContext?.workspaceId ?? null, quota: typeof quota === 'string' ? quota : error.code });
      }
    });

    app.addHook('onResponse', async (request, reply) => {
      recordHttpRequest({
        method: request.method,
        // The route template, never the raw path: unknown paths would make a series each.
        route: request.routeOptions.url ?? 'unmatched',
        statusCode: reply.statusCode,
        seconds: reply.elapsedTime / 1000,
        workspaceId: request.workspaceContext?.workspaceId ?? null,
      });
    });
  },
  // workspaceContext is decorated by ragspace-authentication; reading it at response time needs only that it exists.
  { name: 'ragspace-metrics', fastify: '5.x', dependencies: ['ragspace-errors', 'ragspace-authentication'] },
);
