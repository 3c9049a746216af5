// Every Prometheus metric of the service, defined once, and the functions the rest of the code
// calls to count. One registry per process, like the process's counters themselves: the API
// (plugins/metrics.ts), chat, ingestion and quota code count here without being handed anything,
// and GET /metrics renders it.
//
// Cardinality: labels are bounded sets (route templates, never raw URLs; status codes; limit
// names). A workspace label is added only when RAGSPACE_METRICS_WORKSPACE_LABELS=true, because
// one series per workspace per label set is what takes a Prometheus down at 10,000 tenants; the
// latency histogram never gets one.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

const registry = new Registry();

const httpRequests = new Counter({
  name: 'ragspace_http_requests_total',
  help: 'HTTP requests answered, by method, route template and status code',
  labelNames: ['method', 'route', 'status_code', 'workspace'] as const,
  registers: [registry],
});

const httpRequestDuration = new Histogram({
  name: 'ragspace_http_request_duration_seconds',
  help: 'Time from the request to the end of its response, by method, route template and status code',
  labelNames: ['method', 'route', 'status_code'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  registers: [registry],
});

const llmTokens = new Counter({
  name: 'ragspace_llm_tokens_total',
  help: 'Model tokens spent: input and output of chat models, and embedding input',
  labelNames: ['kind', 'model', 'workspace'] as const,
  registers: [registry],
});

const ingestedDocuments = new Counter({
  name: 'ragspace_ingested_documents_total',
  help: 'Documents ingested, by outcome (created, updated, unchanged)',
  labelNames: ['status', 'workspace'] as const,
  registers: [registry],
});

const ingestedChunks = new Counter({
  name: 'ragspace_ingested_chunks_total',
  help: 'Chunks written by ingestion',
  labelNames: ['workspace'] as const,
  registers: [registry],
});

const waitingDocumentWrites = new Gauge({
  name: 'ragspace_document_writes_waiting',
  help: 'Document writes waiting for one of the RAGSPACE_DOCUMENT_WRITERS slots of this process',
  registers: [registry],
});

const quotaRejections = new Counter({
  name: 'ragspace_quota_rejections_total',
  help: 'Requests refused because a quota was used up (429 quota_exceeded, 413 storage_quota_exceeded), by quota',
  labelNames: ['quota', 'workspace'] as const,
  registers: [registry],
});

const rateLimitRejections = new Counter({
  name: 'ragspace_rate_limit_rejections_total',
  help: 'Requests refused with 429 rate_limited, by the limit that refused them (workspace, api_key, authentication_failures, signup)',
  labelNames: ['limit', 'workspace'] as const,
  registers: [registry],
});

const authenticationFailures = new Counter({
  name: 'ragspace_authentication_failures_total',
  help: 'Requests that presented an invalid, expired or revoked key',
  registers: [registry],
});

let workspaceLabels = false;
let processMetricsCollected = false;

/** Called once by the HTTP server: whether to label by workspace, and the process metrics (CPU, memory, event loop). */
export function configureMetrics(options: { workspaceLabels: boolean }): void {
  workspaceLabels = options.workspaceLabels;
  if (!processMetricsCollected) {
    collectDefaultMetrics({ register: registry });
    processMetricsCollected = true;
  }
}

function labelled<Labels extends Record<string, string>>(labels: Labels, workspaceId: string | null | undefined): Labels & { workspace?: string } {
  return workspaceLabels && workspaceId ? { ...labels, workspace: workspaceId } : labels;
}

export function recordHttpRequest(request: { method: string; route: string; statusCode: number; seconds: number; workspaceId: string | null }): void {
  const labels = { method: request.method, route: request.route, status_code: String(request.statusCode) };
  httpRequests.inc(labelled(labels, request.workspaceId));
  httpRequestDuration.observe(labels, request.seconds);
}

/** Tokens a model call spent; zero counts are skipped. */
export function countTokens(usage: { workspaceId: string | null; model: string; input?: number; output?: number; embedding?: number }): void {
  for (const kind of ['input', 'output', 'embedding'] as const) {
    const count = usage[kind] ?? 0;
    if (count > 0) llmTokens.inc(labelled({ kind, model: usage.model }, usage.workspaceId), count);
  }
}

export function countIngestedDocument(ingestion: { workspaceId: string | null; status: 'created' | 'updated' | 'unchanged'; chunks: number }): void {
  ingestedDocuments.inc(labelled({ status: ingestion.status }, ingestion.workspaceId));
  if (ingestion.chunks > 0) ingestedChunks.inc(labelled({}, ingestion.workspaceId), ingestion.chunks);
}

/** A document write started waiting for a writer slot (+1), or got one (-1). */
export function countWaitingDocumentWrites(change: 1 | -1): void {
  waitingDocumentWrites.inc(change);
}

/**
 * A request refused for a used-up quota. The API counts every quota_exceeded and
 * storage_quota_exceeded response itself (plugins/metrics.ts); call this only for refusals that
 * never become an HTTP error (e.g. a background job).
 */
export function countQuotaRejection(rejection: { workspaceId: string | null; quota: string }): void {
  quotaRejections.inc(labelled({ quota: rejection.quota }, rejection.workspaceId));
}

export type RateLimitName = 'workspace' | 'api_key' | 'authentication_failures' | 'signup';

export function countRateLimitRejection(rejection: { workspaceId: string | null; limit: RateLimitName }): void {
  rateLimitRejections.inc(labelled({ limit: rejection.limit }, rejection.workspaceId));
}

export function countAuthenticationFailure(): void {
  authenticationFailures.inc();
}

/** The exposition text and its content type, for GET /metrics. */
export async function renderMetrics(): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}
