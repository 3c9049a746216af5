// Usage and cost through the API, on both tiers: what the test sends is what the usage endpoints
// report, grouped by customer, agent, API key, model and day; costs follow the price table to the
// last digit; CSV parses back to the same rows; an organization sees its workspaces summed and an
// invoice per model and kind.
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateAgent } from '../../src/tenancy/agents.ts';
import { createApiKey } from '../../src/tenancy/api-keys.ts';
import type { UsageReportRow, UsageTotals } from '../../src/tenancy/usage-reports.ts';
import { createTestTenant } from '../helpers/database.ts';
import { startOpenAITestServer, type OpenAITestServer } from '../helpers/openai-test-server.ts';
import { adminKey, bearer, createOrganizationKey, createTestApi, createWorkspaceWithKey, keyPepper, type TestApi, type TestWorkspace } from './helpers.ts';

type Row = UsageReportRow;
interface Report {
  rows: Row[];
  totals: UsageTotals;
  groupBy: string | null;
}

describe('usage and cost', () => {
  let api: TestApi;
  let model: OpenAITestServer;
  let acme: TestWorkspace;
  let globex: TestWorkspace;
  let salesAgentId: string;
  let defaultAgentId: string;
  let chatKeyId: string;
  let embedderName: string;
  const now = new Date('2027-05-15T10:00:00Z');

  const get = (url: string, key = adminKey, headers: Record<string, string> = {}) => api.app.inject({ method: 'GET', url, headers: { ...bearer(key), ...headers } });
  const report = async (url: string, key = adminKey) => {
    const response = await get(url, key);
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as Report;
  };
  const rowOf = (rows: Row[], group: string | null, kind: string) => rows.find((row) => row.group === group && row.kind === kind);

  beforeAll(async () => {
    model = await startOpenAITestServer();
    api = await createTestApi({
      environment: { OPENAI_BASE_URL: model.baseUrl, CHAT_MODEL: 'test-model', CHAT_MAX_RETRIES: '0' },
      metering: { clock: () => now },
    });
    embedderName = api.runtime.embedder.name;
    for (const [name, price] of [
      ['test-model', { inputPerMillion: 0.15, outputPerMillion: 0.6 }],
      [embedderName, { embeddingPerMillion: 0.02 }],
    ] as const) {
      const response = await api.app.inject({ method: 'PUT', url: `/prices/${encodeURIComponent(name)}`, headers: bearer(adminKey), payload: price });
      expect(response.statusCode, response.body).toBe(200);
    }

    const organizationSlug = `usage-${Date.now().toString(36)}`;
    acme = await createWorkspaceWithKey(api.database, organizationSlug);
    globex = await createWorkspaceWithKey(api.database, organizationSlug);
    await updateAgent(api.database, acme.context, 'default', { enabledTools: [] });
    await updateAgent(api.database, globex.context, 'default', { enabledTools: [] });
    const created = await api.app.inject({
      method: 'POST',
      url: `/workspaces/${acme.context.workspaceId}/agents`,
      headers: bearer(acme.adminSecret),
      payload: { name: 'Sales', enabledTools: [] },
    });
    salesAgentId = (created.json() as { id: string }).id;
    const agents = await get(`/workspaces/${acme.context.workspaceId}/agents`, acme.adminSecret);
    defaultAgentId = (agents.json() as { items: Array<{ id: string; slug: string }> }).items.find((agent) => agent.slug === 'default')!.id;

    const chatKey = await acme.keyFor(['chat']);
    const keys = await get(`/workspaces/${acme.context.workspaceId}/api-keys`, acme.adminSecret);
    chatKeyId = (keys.json() as { items: Array<{ id: string; prefix: string }> }).items.find((key) => chatKey.startsWith(key.prefix))!.id;
    const chat = async (workspace: TestWorkspace, key: string, body: Record<string, unknown>, headers: Record<string, string>, usage: { prompt: number; completion: number }) => {
      model.script({ content: 'Answered.', usage });
      const response = await api.app.inject({
        method: 'POST',
        url: `/workspaces/${workspace.context.workspaceId}/chat`,
        headers: { ...bearer(key), ...headers },
        payload: body,
      });
      expect(response.statusCode, response.body).toBe(200);
    };
    await chat(acme, chatKey, { message: 'one' }, { 'x-customer-id': 'alice' }, { prompt: 1000, completion: 200 });
    await chat(acme, chatKey, { message: 'two' }, { 'x-customer-id': 'alice' }, { prompt: 500, completion: 100 });
    await chat(acme, chatKey, { message: 'three', agent_id: salesAgentId, customer_id: 'bob' }, {}, { prompt: 2000, completion: 300 });
    await chat(globex, await globex.keyFor(['chat']), { message: 'four' }, { 'x-customer-id': 'carol' }, { prompt: 100, completion: 50 });

    const searchKey = await acme.keyFor(['search', 'documents:write']);
    for (const mode of ['vector', 'text']) {
      const response = await api.app.inject({
        method: 'POST',
        url: `/workspaces/${acme.context.workspaceId}/search`,
        headers: { ...bearer(searchKey), 'x-customer-id': 'alice' },
        payload: { query: 'lockers', mode },
      });
      expect(response.statusCode, response.body).toBe(200);
    }
    const upload = await api.app.inject({
      method: 'POST',
      url: `/workspaces/${acme.context.workspaceId}/documents`,
      headers: bearer(searchKey),
      // graph: false, or the chat model (OPENAI_BASE_URL) would extract the graph too, unscripted.
      payload: { source: 'lockers.md', content: '# Lockers\n\nLockers are emptied every Friday at six.', graph: false },
    });
    expect(upload.statusCode, upload.body).toBe(201);
    await api.app.metering.usage!.flush();
  });
  afterAll(async () => {
    await api.close();
    await model.close();
  });

  it('reports chat turns per end customer with their tokens and cost from the price table', async () => {
    const usage = await report(`/workspaces/${acme.context.workspaceId}/usage?groupBy=customer`);
    expect(rowOf(usage.rows, 'alice', 'chat')).toMatchObject({ events: 2, inputTokens: 1500, outputTokens: 300, costUsd: 0.000405 });
    expect(rowOf(usage.rows, 'bob', 'chat')).toMatchObject({ events: 1, inputTokens: 2000, outputTokens: 300, costUsd: 0.00048 });
    expect(rowOf(usage.rows, 'alice', 'search')).toMatchObject({ events: 2, costUsd: 0 });
    // The vector search embedded its query ("lockers": 2 tokens at 0.02 $ per million).
    expect(rowOf(usage.rows, 'alice', 'embedding')).toMatchObject({ events: 1, embeddingTokens: 2, costUsd: 0.00000004 });
    expect(rowOf(usage.rows, null, 'ingestion')).toMatchObject({ events: 1, documents: 1, chunks: 1, bytes: Buffer.byteLength('# Lockers\n\nLockers are emptied every Friday at six.') });
    expect(usage.rows.filter((row) => row.kind === 'chat').map((row) => row.group)).not.toContain('carol');
    const sum = (field: keyof Report['totals']) => usage.rows.reduce((total, row) => total + row[field], 0);
    for (const field of ['events', 'inputTokens', 'outputTokens', 'embeddingTokens', 'documents', 'chunks', 'bytes'] as const) expect(usage.totals[field]).toBe(sum(field));
    expect(usage.totals.costUsd).toBeCloseTo(sum('costUsd'), 12);
  });

  it('groups by agent, API key, model and day', async () => {
    const base = `/workspaces/${acme.context.workspaceId}/usage`;
    const byAgent = await report(`${base}?groupBy=agent`);
    expect(rowOf(byAgent.rows, defaultAgentId, 'chat')).toMatchObject({ events: 2, inputTokens: 1500 });
    expect(rowOf(byAgent.rows, salesAgentId, 'chat')).toMatchObject({ events: 1, inputTokens: 2000 });

    const byKey = await report(`${base}?groupBy=apiKey`);
    expect(rowOf(byKey.rows, chatKeyId, 'chat')).toMatchObject({ events: 3, inputTokens: 3500, outputTokens: 600 });

    const byModel = await report(`${base}?groupBy=model`);
    expect(rowOf(byModel.rows, 'test-model', 'chat')).toMatchObject({ events: 3, inputTokens: 3500, outputTokens: 600, costUsd: 0.000885 });
    const embedding = rowOf(byModel.rows, embedderName, 'embedding')!;
    expect(embedding.embeddingTokens).toBeGreaterThan(2);
    expect(embedding.costUsd).toBeCloseTo((embedding.embeddingTokens * 0.02) / 1_000_000, 15);

    const byDay = await report(`${base}?groupBy=day&from=2027-05-01&to=2027-06-01`);
    expect(new Set(byDay.rows.map((row) => row.group))).toEqual(new Set(['2027-05-15']));
    expect((await report(`${base}?from=2027-05-16T00:00:00Z&to=2027-05-17`)).rows).toEqual([]);
  });

  it('answers CSV that parses back to the same rows', async () => {
    const url = `/workspaces/${acme.context.workspaceId}/usage?groupBy=customer`;
    const json = await report(url);
    const response = await get(url, adminKey, { accept: 'text/csv' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/csv/);
    const records = parse(response.body, { columns: true }) as Array<Record<string, string>>;
    expect(Object.keys(records[0]!)).toEqual(['customer', 'kind', 'events', 'inputTokens', 'outputTokens', 'embeddingTokens', 'documents', 'chunks', 'bytes', 'costUsd']);
    expect(
      records.map((record) => ({
        group: record.customer === '' ? null : record.customer!,
        kind: record.kind!,
        ...Object.fromEntries(Object.entries(record).filter(([column]) => column !== 'customer' && column !== 'kind').map(([column, value]) => [column, Number(value)])),
      })),
    ).toEqual(json.rows);
  });

  it('sums an organization across its workspaces and bills it per model and kind', async () => {
    const organizationKey = await createOrganizationKey(api.database, acme.context.organizationId);
    const acmeUsage = await report(`/workspaces/${acme.context.workspaceId}/usage`);
    const globexUsage = await report(`/workspaces/${globex.context.workspaceId}/usage`);
    const organization = await report(`/organizations/${acme.context.organizationId}/usage?groupBy=workspace`, organizationKey);
    expect(organization.totals.inputTokens).toBe(acmeUsage.totals.inputTokens + globexUsage.totals.inputTokens);
    expect(organization.totals.events).toBe(acmeUsage.totals.events + globexUsage.totals.events);
    expect(rowOf(organization.rows, globex.context.workspaceId, 'chat')).toMatchObject({ events: 1, inputTokens: 100, outputTokens: 50 });

    const invoiceResponse = await get(`/organizations/${acme.context.organizationId}/invoice?month=2027-05`, organizationKey);
    expect(invoiceResponse.statusCode).toBe(200);
    const invoice = invoiceResponse.json() as { currency: string; from: string; to: string; lineItems: Array<Row & { model: string | null }>; totals: Report['totals'] };
    expect(invoice).toMatchObject({ currency: 'USD', from: '2027-05-01T00:00:00.000Z', to: '2027-06-01T00:00:00.000Z' });
    // 3,600 input and 650 output tokens: 3,600 × 0.15 + 650 × 0.60 = 930 millionths of a dollar.
    expect(invoice.lineItems.find((item) => item.model === 'test-model' && item.kind === 'chat')).toMatchObject({
      events: 4,
      inputTokens: 3600,
      outputTokens: 650,
      costUsd: 0.00093,
    });
    expect(invoice.lineItems.map((item) => item.kind).sort()).toEqual(['chat', 'embedding', 'ingestion', 'search']);
    expect(invoice.totals.costUsd).toBeCloseTo(invoice.lineItems.reduce((total, item) => total + item.costUsd, 0), 12);
    expect(invoice.totals.costUsd).toBeCloseTo(organization.totals.costUsd, 12);

    const csv = parse((await get(`/organizations/${acme.context.organizationId}/invoice?month=2027-05`, organizationKey, { accept: 'text/csv' })).body, {
      columns: true,
    }) as Array<Record<string, string>>;
    expect(csv).toHaveLength(invoice.lineItems.length);
    const empty = await get(`/organizations/${acme.context.organizationId}/invoice?month=2027-04`, organizationKey);
    expect(empty.json()).toMatchObject({ lineItems: [], totals: { events: 0, costUsd: 0 } });
  });

  it('costs new usage at a changed price without rewriting what was billed', async () => {
    const tenant = await createTestTenant(api.database);
    await updateAgent(api.database, tenant, 'default', { enabledTools: [] });
    const { secret } = await createApiKey(api.database, keyPepper, tenant, { scopes: ['admin'] });
    // As the operator: a million tokens a turn is past the free plan's monthly allowance.
    const turn = async () => {
      model.script({ content: 'Priced.', usage: { prompt: 1_000_000, completion: 0 } });
      expect((await api.app.inject({ method: 'POST', url: `/workspaces/${tenant.workspaceId}/chat`, headers: bearer(adminKey), payload: { message: 'price' } })).statusCode).toBe(200);
    };
    await turn();
    await api.app.inject({ method: 'PUT', url: '/prices/test-model', headers: bearer(adminKey), payload: { inputPerMillion: 2.5, outputPerMillion: 0.6 } });
    await turn();
    await api.app.inject({ method: 'PUT', url: '/prices/test-model', headers: bearer(adminKey), payload: { inputPerMillion: 0.15, outputPerMillion: 0.6 } });
    const usage = await report(`/workspaces/${tenant.workspaceId}/usage`, secret);
    // One million input tokens at 0.15 $, then one million at 2.50 $.
    expect(rowOf(usage.rows, null, 'chat')).toMatchObject({ events: 2, inputTokens: 2_000_000, costUsd: 2.65 });
  });

  it('writes the usage of finished requests when the server closes', async () => {
    const second = await createTestApi({ database: api.database, metering: { clock: () => now } });
    const tenant = await createTestTenant(api.database);
    const { secret } = await createApiKey(api.database, keyPepper, tenant, { scopes: ['search', 'admin'] });
    for (let index = 0; index < 3; index += 1) {
      const response = await second.app.inject({ method: 'POST', url: `/workspaces/${tenant.workspaceId}/search`, headers: bearer(secret), payload: { query: 'anything', mode: 'text' } });
      expect(response.statusCode).toBe(200);
    }
    // No flush: closing the app (as `ragspace serve` does on SIGTERM) writes what is buffered.
    await second.app.close();
    expect(rowOf((await report(`/workspaces/${tenant.workspaceId}/usage`, secret)).rows, null, 'search')).toMatchObject({ events: 3 });
  });

  it('refuses what a caller may not read, and bad ranges', async () => {
    const chatOnly = await acme.keyFor(['chat']);
    expect((await get(`/workspaces/${acme.context.workspaceId}/usage`, chatOnly)).statusCode).toBe(403);
    expect((await get(`/workspaces/${acme.context.workspaceId}/usage`, globex.adminSecret)).json()).toMatchObject({ error: { code: 'workspace_mismatch' } });
    const stranger = await createTestTenant(api.database);
    const strangerKey = await createOrganizationKey(api.database, stranger.organizationId);
    expect((await get(`/organizations/${acme.context.organizationId}/invoice?month=2027-05`, strangerKey)).statusCode).toBe(403);
    expect((await get('/prices', acme.adminSecret)).statusCode).toBe(403);

    const bad = [
      `/workspaces/${acme.context.workspaceId}/usage?from=2027-06-01&to=2027-05-01`,
      `/workspaces/${acme.context.workspaceId}/usage?groupBy=workspace`,
      `/workspaces/${acme.context.workspaceId}/usage?from=yesterday`,
      `/organizations/${acme.context.organizationId}/invoice?month=2027-13`,
    ];
    for (const url of bad) expect((await get(url)).json()).toMatchObject({ error: { code: 'validation_error' } });
    const price = await api.app.inject({ method: 'PUT', url: '/prices/test-model', headers: bearer(adminKey), payload: { inputPerMillion: -1 } });
    expect(price.json()).toMatchObject({ error: { code: 'validation_error' } });
    expect((await api.app.inject({ method: 'DELETE', url: '/prices/no-such-model', headers: bearer(adminKey) })).statusCode).toBe(404);
  });
});
