// Plan quotas through the API, on both tiers: with L left and N > L requests at once, exactly L
// succeed and the rest are refused with the quota's details; period counters roll over on their
// boundaries (an injected clock crosses them); the platform admin (the operator) is not limited.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { updateAgent } from '../../src/tenancy/agents.ts';
import { countStatus, gate, setLimitOverrides } from '../helpers/limits.ts';
import { startOpenAITestServer, type OpenAITestServer } from '../helpers/openai-test-server.ts';
import { adminKey, bearer, createTestApi, createWorkspaceWithKey, type TestApi, type TestWorkspace } from './helpers.ts';

const concurrent = 24;
const allowed = 5;

describe('plan quotas', () => {
  let api: TestApi;
  let model: OpenAITestServer;
  let now = new Date('2027-01-31T23:59:00Z');

  // OPENAI_BASE_URL gives the chat turns their model; uploads say graph: false so that it does not
  // also become the graph extraction model, which these tests do not script.
  beforeAll(async () => {
    model = await startOpenAITestServer();
    api = await createTestApi({
      // Uploads race the quotas in the database: no bound on writers queues them in the process first.
      environment: { OPENAI_BASE_URL: model.baseUrl, CHAT_MODEL: 'test-model', CHAT_MAX_RETRIES: '0', RAGSPACE_DOCUMENT_WRITERS: '8' },
      metering: { clock: () => now },
    });
  });
  afterAll(async () => {
    await api.close();
    await model.close();
  });

  /** A workspace whose quotas are all lifted except those the test sets. */
  async function workspaceWith(overrides: Parameters<typeof setLimitOverrides>[2]): Promise<TestWorkspace> {
    const workspace = await createWorkspaceWithKey(api.database);
    await setLimitOverrides(api.database, workspace.context.workspaceId, {
      requestsPerMonth: null,
      chatMessagesPerDay: null,
      llmTokensPerMonth: null,
      storageBytes: null,
      documents: null,
      agents: null,
      apiKeys: null,
      concurrentChatStreams: null,
      ...overrides,
    });
    return workspace;
  }

  const quotaOf = async (workspace: TestWorkspace, name: string) => {
    const response = await api.app.inject({ method: 'GET', url: `/workspaces/${workspace.context.workspaceId}/quota`, headers: bearer(adminKey) });
    return (response.json() as { quotas: Array<{ quota: string; used: number; limit: number | null; left: number | null }> }).quotas.find(
      (entry) => entry.quota === name,
    )!;
  };

  const chat = (workspace: TestWorkspace, key: string, body: Record<string, unknown>) =>
    api.app.inject({ method: 'POST', url: `/workspaces/${workspace.context.workspaceId}/chat`, headers: bearer(key), payload: body });

  function expectRefusals(responses: Array<{ statusCode: number; json(): unknown }>, status: number, details: Record<string, unknown>): void {
    for (const response of responses.filter((candidate) => candidate.statusCode === status)) {
      expect(response.json()).toEqual({ error: { code: expect.any(String), message: expect.any(String), details } });
    }
  }

  it('requests per month: exactly L of N, then 429 with the quota, and a new month starts from zero', async () => {
    now = new Date('2027-01-31T23:59:00Z');
    const workspace = await workspaceWith({ requestsPerMonth: allowed });
    const key = await workspace.keyFor(['search']);
    const responses = await Promise.all(
      Array.from({ length: concurrent }, () => api.app.inject({ method: 'GET', url: `/workspaces/${workspace.context.workspaceId}/quota`, headers: bearer(key) })),
    );
    const statuses = responses.map((response) => response.statusCode);
    expect(countStatus(statuses, 200)).toBe(allowed);
    expect(countStatus(statuses, 429)).toBe(concurrent - allowed);
    expectRefusals(responses, 429, { quota: 'requestsPerMonth', limit: allowed, used: allowed, resetsAt: '2027-02-01T00:00:00.000Z' });
    expect(responses.find((response) => response.statusCode === 429)!.json()).toMatchObject({ error: { code: 'quota_exceeded' } });

    // The operator is not bound by the plan.
    const asAdmin = await api.app.inject({ method: 'GET', url: `/workspaces/${workspace.context.workspaceId}/quota`, headers: bearer(adminKey) });
    expect(asAdmin.statusCode).toBe(200);

    now = new Date('2027-02-01T00:00:00Z');
    const nextMonth = await api.app.inject({ method: 'GET', url: `/workspaces/${workspace.context.workspaceId}/quota`, headers: bearer(key) });
    expect(nextMonth.statusCode).toBe(200);
    expect((nextMonth.json() as { quotas: Array<{ quota: string; used: number }> }).quotas.find((entry) => entry.quota === 'requestsPerMonth')).toMatchObject({
      used: 1,
      left: allowed - 1,
      resetsAt: '2027-03-01T00:00:00.000Z',
    });
  });

  it('requests per month: a request refused as bad input counts nothing, a well-formed one counts once', async () => {
    now = new Date('2027-01-15T12:00:00Z');
    const workspace = await workspaceWith({ requestsPerMonth: allowed });
    const key = await workspace.keyFor(['search']);
    const search = (payload: string) =>
      api.app.inject({
        method: 'POST',
        url: `/workspaces/${workspace.context.workspaceId}/search`,
        headers: { ...bearer(key), 'content-type': 'application/json' },
        payload,
      });
    expect((await search('{"query": "refunds\\u0000"}')).statusCode).toBe(400);
    expect((await search('{"query": "refunds", "limit": -1}')).statusCode).toBe(400);
    expect((await search('{"query": ')).statusCode).toBe(400);
    expect(await quotaOf(workspace, 'requestsPerMonth')).toMatchObject({ used: 0 });
    expect((await search('{"query": "refunds"}')).statusCode).toBe(200);
    expect(await quotaOf(workspace, 'requestsPerMonth')).toMatchObject({ used: 1 });
  });

  it('requests per month far from the limit: counted in blocks, yet /quota reports exactly the requests served', async () => {
    now = new Date('2027-01-20T08:00:00Z');
    const workspace = await workspaceWith({ requestsPerMonth: 100_000 });
    const key = await workspace.keyFor(['search']);
    const searches = await Promise.all(
      Array.from({ length: 40 }, () =>
        api.app.inject({ method: 'POST', url: `/workspaces/${workspace.context.workspaceId}/search`, headers: bearer(key), payload: { query: 'refunds' } }),
      ),
    );
    expect(countStatus(searches.map((response) => response.statusCode), 200)).toBe(40);
    expect(await quotaOf(workspace, 'requestsPerMonth')).toMatchObject({ used: 40, left: 100_000 - 40 });
    // The workspace's own key reading its quota is a request too, counted before it reads.
    const own = await api.app.inject({ method: 'GET', url: `/workspaces/${workspace.context.workspaceId}/quota`, headers: bearer(key) });
    expect((own.json() as { quotas: Array<{ quota: string; used: number }> }).quotas.find((entry) => entry.quota === 'requestsPerMonth')).toMatchObject({
      used: 41,
    });
  });

  it('chat messages per day: exactly L of N turns run; refused turns leave no session; the next day starts from zero', async () => {
    now = new Date('2027-03-10T23:59:59Z');
    const workspace = await workspaceWith({ chatMessagesPerDay: allowed });
    await updateAgent(api.database, workspace.context, 'default', { model: 'extractive' });
    const key = await workspace.keyFor(['chat']);
    const responses = await Promise.all(Array.from({ length: concurrent }, (_, index) => chat(workspace, key, { message: `question ${index}` })));
    const statuses = responses.map((response) => response.statusCode);
    expect(countStatus(statuses, 200)).toBe(allowed);
    expect(countStatus(statuses, 429)).toBe(concurrent - allowed);
    expectRefusals(responses, 429, { quota: 'chatMessagesPerDay', limit: allowed, used: allowed, resetsAt: '2027-03-11T00:00:00.000Z' });
    const sessions = await api.app.inject({ method: 'GET', url: `/workspaces/${workspace.context.workspaceId}/sessions?limit=100`, headers: bearer(key) });
    expect((sessions.json() as { items: unknown[] }).items).toHaveLength(allowed);

    now = new Date('2027-03-11T00:00:00Z');
    expect((await chat(workspace, key, { message: 'a new day' })).statusCode).toBe(200);
  });

  it('LLM tokens per month: a turn is admitted only if its reservation fits, so exactly L of N run', async () => {
    now = new Date('2027-04-02T10:00:00Z');
    const workspace = await workspaceWith({});
    await updateAgent(api.database, workspace.context, 'default', { enabledTools: [] });
    const key = await workspace.keyFor(['chat']);

    // What one turn reserves: seen while its reply is held.
    const probe = gate();
    model.script({ content: 'Probe.', usage: { prompt: 0, completion: 0 }, waitFor: probe.promise });
    const probing = chat(workspace, key, { message: 'How many tokens?' });
    await vi.waitFor(async () => expect((await quotaOf(workspace, 'llmTokensPerMonth')).used).toBeGreaterThan(0), { timeout: 30_000 });
    const reservation = (await quotaOf(workspace, 'llmTokensPerMonth')).used;
    probe.open();
    expect((await probing).statusCode).toBe(200);
    // Settled to what the model reported.
    expect((await quotaOf(workspace, 'llmTokensPerMonth')).used).toBe(0);

    await setLimitOverrides(api.database, workspace.context.workspaceId, { llmTokensPerMonth: allowed * reservation });
    const release = gate();
    const requestsBefore = model.requests.length;
    for (let index = 0; index < allowed; index += 1) model.script({ content: 'Answer.', usage: { prompt: 0, completion: 0 }, waitFor: release.promise });
    const refused: number[] = [];
    const pending = Array.from({ length: concurrent }, () =>
      chat(workspace, key, { message: 'How many tokens?' }).then((response) => {
        if (response.statusCode === 429) refused.push(response.statusCode);
        return response;
      }),
    );
    // Every turn has either reached the model or been refused before the held ones are released.
    await vi.waitFor(() => expect(refused.length + model.requests.length - requestsBefore).toBe(concurrent), { timeout: 60_000 });
    release.open();
    const responses = await Promise.all(pending);
    expect(countStatus(responses.map((response) => response.statusCode), 200)).toBe(allowed);
    expect(refused).toHaveLength(concurrent - allowed);
    expectRefusals(responses, 429, {
      quota: 'llmTokensPerMonth',
      limit: allowed * reservation,
      used: allowed * reservation,
      resetsAt: '2027-05-01T00:00:00.000Z',
    });
  });

  it('concurrent chat streams: exactly L run at once; leases are released when they end', async () => {
    now = new Date('2027-04-03T10:00:00Z');
    const workspace = await workspaceWith({ concurrentChatStreams: 3 });
    await updateAgent(api.database, workspace.context, 'default', { enabledTools: [] });
    const key = await workspace.keyFor(['chat']);
    const release = gate();
    const requestsBefore = model.requests.length;
    for (let index = 0; index < 3; index += 1) model.script({ content: 'Streamed.', waitFor: release.promise });
    const refused: number[] = [];
    const pending = Array.from({ length: concurrent }, (_, index) =>
      chat(workspace, key, { message: `stream ${index}`, stream: index % 2 === 0 }).then((response) => {
        if (response.statusCode === 429) refused.push(429);
        return response;
      }),
    );
    await vi.waitFor(() => expect(refused.length + model.requests.length - requestsBefore).toBe(concurrent), { timeout: 60_000 });
    expect((await quotaOf(workspace, 'concurrentChatStreams')).used).toBe(3);
    release.open();
    const responses = await Promise.all(pending);
    expect(countStatus(responses.map((response) => response.statusCode), 200)).toBe(3);
    expect(refused).toHaveLength(concurrent - 3);
    for (const response of responses.filter((candidate) => candidate.statusCode === 429)) {
      expect(response.json()).toMatchObject({ error: { code: 'quota_exceeded', details: { quota: 'concurrentChatStreams', limit: 3, used: 3 } } });
    }
    expect((await quotaOf(workspace, 'concurrentChatStreams')).used).toBe(0);
  });

  it('documents: exactly L of N uploads are stored; the gauge equals the documents stored', async () => {
    const workspace = await workspaceWith({ documents: allowed });
    const key = await workspace.keyFor(['documents:write', 'search']);
    const responses = await Promise.all(
      Array.from({ length: concurrent }, (_, index) =>
        api.app.inject({
          method: 'POST',
          url: `/workspaces/${workspace.context.workspaceId}/documents`,
          headers: bearer(key),
          payload: { source: `note-${index}.md`, content: `# Note ${index}\n\nThe ${index}th note says the warehouse opens at ${index} o'clock.`, graph: false },
        }),
      ),
    );
    const statuses = responses.map((response) => response.statusCode);
    expect(countStatus(statuses, 201)).toBe(allowed);
    expect(countStatus(statuses, 429)).toBe(concurrent - allowed);
    expectRefusals(responses, 429, { quota: 'documents', limit: allowed, used: allowed, resetsAt: null });
    const listed = await api.app.inject({ method: 'GET', url: `/workspaces/${workspace.context.workspaceId}/documents?limit=100`, headers: bearer(key) });
    expect((listed.json() as { items: unknown[] }).items).toHaveLength(allowed);
    expect(await quotaOf(workspace, 'documents')).toMatchObject({ used: allowed, left: 0 });
    // Replacing a stored source needs no new slot.
    const replaced = await api.app.inject({
      method: 'POST',
      url: `/workspaces/${workspace.context.workspaceId}/documents`,
      headers: bearer(key),
      payload: { source: (responses.find((response) => response.statusCode === 201)!.json() as { document: { source: string } }).document.source, content: '# Replaced\n\nNew text.', graph: false },
    });
    expect(replaced.statusCode).toBe(200);
  });

  it('storage: exactly L of N uploads fit, the rest get 413 storage_quota_exceeded', async () => {
    const workspace = await workspaceWith({});
    const key = await workspace.keyFor(['documents:write']);
    const upload = (index: number) =>
      api.app.inject({
        method: 'POST',
        url: `/workspaces/${workspace.context.workspaceId}/documents`,
        headers: bearer(key),
        // Equal lengths, so every document stores the same number of bytes.
        payload: { source: `page-${String(index).padStart(3, '0')}.txt`, content: `Page ${String(index).padStart(3, '0')} of the handbook: lockers are emptied every Friday.`, graph: false },
      });
    expect((await upload(999)).statusCode).toBe(201);
    const perDocument = (await quotaOf(workspace, 'storageBytes')).used;
    expect(perDocument).toBeGreaterThan(0);
    await setLimitOverrides(api.database, workspace.context.workspaceId, { storageBytes: perDocument * (1 + allowed) });

    const responses = await Promise.all(Array.from({ length: concurrent }, (_, index) => upload(index)));
    const statuses = responses.map((response) => response.statusCode);
    expect(countStatus(statuses, 201)).toBe(allowed);
    expect(countStatus(statuses, 413)).toBe(concurrent - allowed);
    expectRefusals(responses, 413, { quota: 'storageBytes', limit: perDocument * (1 + allowed), used: perDocument * (1 + allowed), resetsAt: null });
    expect(responses.find((response) => response.statusCode === 413)!.json()).toMatchObject({ error: { code: 'storage_quota_exceeded' } });
    expect((await quotaOf(workspace, 'storageBytes')).used).toBe(perDocument * (1 + allowed));
  });

  it('agents and API keys: exactly L of N created; a revoked key frees its slot', async () => {
    // One agent (the default) and one key (the admin key) exist already.
    const workspace = await workspaceWith({ agents: 1 + allowed, apiKeys: 1 + allowed });
    const base = `/workspaces/${workspace.context.workspaceId}`;
    const agents = await Promise.all(
      Array.from({ length: concurrent }, (_, index) =>
        api.app.inject({ method: 'POST', url: `${base}/agents`, headers: bearer(workspace.adminSecret), payload: { name: `Agent ${index}` } }),
      ),
    );
    expect(countStatus(agents.map((response) => response.statusCode), 201)).toBe(allowed);
    expectRefusals(agents, 429, { quota: 'agents', limit: 1 + allowed, used: 1 + allowed, resetsAt: null });

    const keys = await Promise.all(
      Array.from({ length: concurrent }, () => api.app.inject({ method: 'POST', url: `${base}/api-keys`, headers: bearer(workspace.adminSecret), payload: { scopes: ['search'] } })),
    );
    expect(countStatus(keys.map((response) => response.statusCode), 201)).toBe(allowed);
    expect(countStatus(keys.map((response) => response.statusCode), 429)).toBe(concurrent - allowed);
    expectRefusals(keys, 429, { quota: 'apiKeys', limit: 1 + allowed, used: 1 + allowed, resetsAt: null });

    const created = (keys.find((response) => response.statusCode === 201)!.json() as { apiKey: { id: string } }).apiKey.id;
    expect((await api.app.inject({ method: 'DELETE', url: `${base}/api-keys/${created}`, headers: bearer(workspace.adminSecret) })).statusCode).toBe(200);
    const again = await api.app.inject({ method: 'POST', url: `${base}/api-keys`, headers: bearer(workspace.adminSecret), payload: { scopes: ['search'] } });
    expect(again.statusCode).toBe(201);
  });
});
