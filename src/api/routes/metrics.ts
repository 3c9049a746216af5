// GET /metrics: the Prometheus exposition of observability/metrics.ts, for the platform admin key
// or the scrape token RAGSPACE_METRICS_TOKEN.
import { renderMetrics } from '../../observability/metrics.ts';
import { access } from '../access.ts';
import type { RouteModule } from '../route-module.ts';

export const metricsRoutes: RouteModule = async (app) => {
  app.get('/metrics', {
    config: { access: access.metrics() },
    schema: {
      tags: ['health'],
      summary: 'Prometheus metrics (platform admin key or RAGSPACE_METRICS_TOKEN)',
      description:
        'Requests by route and status, latency histograms, tokens, ingestion counts, quota and rate-limit rejections, authentication failures, process metrics. Text exposition format 0.0.4.',
      produces: ['text/plain'],
    },
    handler: async (_request, reply) => {
      const { contentType, body } = await renderMetrics();
      return reply.type(contentType).send(body);
    },
  });
};
