// GET /metrics: who may read it, and what it counts (requests by route and status, latency,
// tokens, ingestion, quota and rate-limit refusals), with workspace labels only when asked for.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { access } from '../../src/api/access.ts';
import { workspaceContextOf } from '../../src/api/plugins/authentication.ts';
import type { RouteModule } from '../../src/api/route-module.ts';
import { quotaExceeded } from '../../src/errors.ts';
import { cliOperator } from '../../src/tenancy/audit.ts';
import { changeWorkspaceLimitOverrides } from '../../src/tenancy/plans.ts';
import { startOpenAITestServer, type OpenAITestServer } from '../helpers/openai-test-server.ts';
import { adminKey, bearer, createOrganizationKey, createTestApi, createWorkspaceWithKey, type TestApi, type TestWorkspace } from './helpers.ts';

const metricsToken = 'metrics-scrape-token-0123456789abcdefghijklmnop';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text exposition into samples. */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of the samples named `name` whose labels include `labels`. */
function total(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value))
    .reduce((sum, sample) => sum + sample.value, 0);
}

// A route that refuses for a used-up quota, as the quota code does.
const quotaRoutes: RouteModule = async (app) => {
  app.post('/workspaces/:id/quota-probe', {
    config: { access: access.workspace('chat') },
    schema: { params: z.object({ id: z.uuid() }) },
    handler: async (request) => {
      workspaceContextOf(request);
      throw quotaExceeded('No chat messages left today', { quota: 'chatMessagesPerDay', limit: 1, used: 1, resetsAt: new Date().toISOString() });
    },
  });
};

describe('GET /metrics', () => {
  let api: TestApi;
  let model: OpenAITestServer;
  let tenant: TestWorkspace;

  const scrape = async (key = adminKey) => {
    const response = await api.app.inject({ method: 'GET', url: '/metrics', headers: bearer(key) });
    expect(response.statusCode).toBe(200);
    return parseExposition(response.body);
  };

  beforeAll(async () => {
    model = await startOpenAITestServer();
    api = await createTestApi({
      rateLimit: true,
      extraRoutes: [quotaRoutes],
      environment: { RAGSPACE_METRICS_TOKEN: metricsToken, OPENAI_BASE_URL: model.baseUrl, OPENAI_API_KEY: 'test', CHAT_MODEL: 'scripted-model' },
    });
    tenant = await createWorkspaceWithKey(api.database);
  });
  afterAll(async () => {
    await api.close();
    await model.close();
  });

  it('answers the platform admin and the scrape token only', async () => {
    const get = (headers: Record<string, string>) => api.app.inject({ method: 'GET', url: '/metrics', headers });
    const withAdmin = await get(bearer(adminKey));
    expect(withAdmin.statusCode).toBe(200);
    expect(withAdmin.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect((await get(bearer(metricsToken))).statusCode).toBe(200);
    expect((await get({ 'x-api-key': metricsToken })).statusCode).toBe(200);

    expect((await get({})).statusCode).toBe(401);
    expect((await get(bearer(`${metricsToken.slice(0, -1)}X`))).statusCode).toBe(401);
    const workspaceKey = await get(bearer(tenant.adminSecret));
    expect(workspaceKey.statusCode).toBe(403);
    expect(workspaceKey.json().error.code).toBe('forbidden');
    expect((await get(bearer(await createOrganizationKey(api.database, tenant.context.organizationId)))).statusCode).toBe(403);
  });

  it('counts requests by route template and status, with a latency histogram', async () => {
    const route = '/workspaces/:id/search';
    const before = await scrape();
    const url = `/workspaces/${tenant.context.workspaceId}/search`;
    for (const query of ['one', 'two']) {
      expect((await api.app.inject({ method: 'POST', url, headers: bearer(tenant.adminSecret), payload: { query } })).statusCode).toBe(200);
    }
    expect((await api.app.inject({ method: 'POST', url, headers: bearer(tenant.adminSecret), payload: {} })).statusCode).toBe(400);
    await api.app.inject({ method: 'GET', url: '/no/such/path' });
    const after = await scrape(metricsToken);

    const delta = (name: string, labels: Record<string, string>) => total(after, name, labels) - total(before, name, labels);
    expect(delta('ragspace_http_requests_total', { method: 'POST', route, status_code: '200' })).toBe(2);
    expect(delta('ragspace_http_requests_total', { method: 'POST', route, status_code: '400' })).toBe(1);
    expect(delta('ragspace_http_request_duration_seconds_count', { method: 'POST', route, status_code: '200' })).toBe(2);
    expect(delta('ragspace_http_request_duration_seconds_bucket', { route, status_code: '200', le: '+Inf' })).toBe(2);
    // Unknown paths share one series; raw paths (and so ids) never become labels.
    expect(delta('ragspace_http_requests_total', { route: 'unmatched', status_code: '404' })).toBe(1);
    expect(after.some((sample) => Object.values(sample.labels).some((value) => value.includes(tenant.context.workspaceId)))).toBe(false);
    expect(after.some((sample) => sample.name === 'process_cpu_user_seconds_total')).toBe(true);
  });

  it('counts ingested documents and chunks, model tokens, and quota and rate-limit refusals', async () => {
    const before = await scrape();
    const base = `/workspaces/${tenant.context.workspaceId}`;
    const upload = await api.app.inject({
      method: 'POST',
      url: `${base}/documents`,
      headers: bearer(tenant.adminSecret),
      // No graph extraction: the configured model would be asked, and it answers only the chat below.
      payload: { source: 'metrics.md', content: '# Metrics\n\nPrometheus scrapes the metrics endpoint every fifteen seconds.', graph: false },
    });
    expect(upload.statusCode).toBe(201);
    const chunks: number = upload.json().chunkCount;
    model.script({ content: 'Every fifteen seconds.', usage: { prompt: 120, completion: 7 } });
    expect((await api.app.inject({ method: 'POST', url: `${base}/chat`, headers: bearer(tenant.adminSecret), payload: { message: 'How often?' } })).statusCode).toBe(200);
    expect((await api.app.inject({ method: 'POST', url: `${base}/quota-probe`, headers: bearer(tenant.adminSecret) })).statusCode).toBe(429);

    const limited = await createWorkspaceWithKey(api.database);
    await changeWorkspaceLimitOverrides(api.database, limited.context.workspaceId, { set: { requestsPerMinute: 1 } }, cliOperator);
    const limitedUrl = `/workspaces/${limited.context.workspaceId}`;
    expect((await api.app.inject({ method: 'GET', url: limitedUrl, headers: bearer(limited.adminSecret) })).statusCode).toBe(200);
    expect((await api.app.inject({ method: 'GET', url: limitedUrl, headers: bearer(limited.adminSecret) })).statusCode).toBe(429);
    expect((await api.app.inject({ method: 'GET', url: limitedUrl, headers: bearer('rsk_000000000000_' + 'C'.repeat(43)) })).statusCode).toBe(401);

    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) => total(after, name, labels) - total(before, name, labels);
    expect(delta('ragspace_ingested_documents_total', { status: 'created' })).toBe(1);
    expect(chunks).toBeGreaterThan(0);
    expect(delta('ragspace_ingested_chunks_total')).toBe(chunks);
    expect(delta('ragspace_llm_tokens_total', { kind: 'input', model: 'scripted-model' })).toBe(120);
    expect(delta('ragspace_llm_tokens_total', { kind: 'output', model: 'scripted-model' })).toBe(7);
    expect(delta('ragspace_quota_rejections_total', { quota: 'chatMessagesPerDay' })).toBe(1);
    expect(delta('ragspace_rate_limit_rejections_total', { limit: 'workspace' })).toBe(1);
    expect(delta('ragspace_authentication_failures_total')).toBe(1);
  });

  it('labels per-request counters by workspace only when RAGSPACE_METRICS_WORKSPACE_LABELS=true', async () => {
    const labelled = await createTestApi({ database: api.database, environment: { RAGSPACE_METRICS_WORKSPACE_LABELS: 'true' } });
    try {
      const url = `/workspaces/${tenant.context.workspaceId}`;
      expect((await labelled.app.inject({ method: 'GET', url, headers: bearer(tenant.adminSecret) })).statusCode).toBe(200);
      const samples = parseExposition((await labelled.app.inject({ method: 'GET', url: '/metrics', headers: bearer(adminKey) })).body);
      expect(total(samples, 'ragspace_http_requests_total', { route: '/workspaces/:id', workspace: tenant.context.workspaceId })).toBe(1);
      // Never on the histogram: one series per bucket per workspace would be too many.
      expect(samples.some((sample) => sample.name.startsWith('ragspace_http_request_duration_seconds') && 'workspace' in sample.labels)).toBe(false);
    } finally {
      await labelled.app.close();
    }
  });
});
