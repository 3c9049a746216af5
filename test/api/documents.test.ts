// Documents and search through the API: JSON and multipart uploads through the ingestion pipeline,
// background jobs for large uploads, reading, deleting, and searching only the key's workspace.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../../src/api/app.ts';
import { bearer, createTestApi, createWorkspaceWithKey, multipart, type TestApi, type TestWorkspace } from './helpers.ts';

const bodyLimitBytes = 64 * 1024;
const asyncUploadThresholdBytes = 16 * 1024;

const handbook = [
  '# Employee handbook',
  '',
  '## Holidays',
  'Every employee gets twenty-eight days of paid holiday a year, booked through the HR portal.',
  '',
  '## Expenses',
  'Travel expenses are refunded within ten working days when receipts are attached.',
].join('\n');

const northwind = [
  '# Northwind Robotics',
  '',
  'Northwind Robotics is a warehouse automation company based in Rotterdam. It was founded in 2014 by Maria Chen and Tomas Berg.',
  '',
  'Maria Chen leads Northwind Robotics as chief executive. Priya Raman advises Northwind Robotics on safety.',
].join('\n');

describe('documents and search', () => {
  let api: TestApi;
  let workspace: TestWorkspace;
  let other: TestWorkspace;
  let writer: Record<string, string>;
  let reader: Record<string, string>;
  let base: string;

  beforeAll(async () => {
    api = await createTestApi({ environment: { RAGSPACE_BODY_LIMIT_BYTES: String(bodyLimitBytes) }, asyncUploadThresholdBytes });
    workspace = await createWorkspaceWithKey(api.database);
    other = await createWorkspaceWithKey(api.database);
    writer = bearer(await workspace.keyFor(['documents:write']));
    reader = bearer(await workspace.keyFor(['search']));
    base = `/workspaces/${workspace.context.workspaceId}`;
  });
  afterAll(() => api.close());

  const upload = (body: object, headers = writer, query = '') =>
    api.app.inject({ method: 'POST', url: `${base}/documents${query}`, headers, payload: body });

  describe('uploads', () => {
    it('creates a document from JSON, leaves it unchanged when re-sent, replaces it when changed', async () => {
      const created = await upload({ source: 'handbook.md', content: handbook, metadata: { team: 'hr' } });
      expect(created.statusCode).toBe(201);
      const result = created.json();
      expect(result).toMatchObject({ status: 'created', document: { source: 'handbook.md', title: 'Employee handbook', metadata: { team: 'hr' } } });
      expect(result.chunkCount).toBeGreaterThan(0);

      const again = await upload({ source: 'handbook.md', content: handbook, metadata: { team: 'hr' } });
      expect(again.statusCode).toBe(200);
      expect(again.json()).toMatchObject({ status: 'unchanged', document: { id: result.document.id } });

      const changed = await upload({ source: 'handbook.md', content: `${handbook}\n\n## Pensions\nThe company adds five percent.`, metadata: { team: 'hr' } });
      expect(changed.statusCode).toBe(200);
      expect(changed.json()).toMatchObject({ status: 'updated', document: { id: result.document.id } });
    });

    it('uploads a file as multipart form data, with its fields', async () => {
      const form = multipart({ metadata: '{"team":"finance"}', title: 'Expense policy' }, { name: 'expenses.txt', type: 'text/plain', content: 'Receipts are needed for every expense above ten euros.' });
      const response = await api.app.inject({ method: 'POST', url: `${base}/documents`, headers: { ...writer, ...form.headers }, payload: form.payload });
      expect(response.statusCode).toBe(201);
      expect(response.json().document).toMatchObject({ source: 'expenses.txt', title: 'Expense policy', contentType: 'text/plain', metadata: { team: 'finance' } });
    });

    it('refuses bad uploads with the right status and stores nothing', async () => {
      const before = (await api.app.inject({ method: 'GET', url: `${base}/documents?limit=100`, headers: reader })).json().items.length;

      const unsupported = await upload({ source: 'data.xml', content: '<a>b</a>', contentType: 'application/xml' });
      expect(unsupported.statusCode).toBe(415);
      expect(unsupported.json().error.code).toBe('unsupported_media_type');

      const empty = await upload({ source: 'blank.md', content: '   \n\n   ' });
      expect(empty.statusCode).toBe(422);
      expect(empty.json().error.code).toBe('unprocessable_entity');

      const missingSource = await upload({ content: 'text' });
      expect(missingSource.statusCode).toBe(400);
      expect(missingSource.json().error.details[0].path).toBe('body.source');

      const noFile = multipart({ source: 'x.md' });
      const withoutFile = await api.app.inject({ method: 'POST', url: `${base}/documents`, headers: { ...writer, ...noFile.headers }, payload: noFile.payload });
      expect(withoutFile.statusCode).toBe(400);

      const badMetadata = multipart({ metadata: '[1,2]' }, { name: 'a.md', type: 'text/markdown', content: '# A\ntext' });
      const badMetadataResponse = await api.app.inject({ method: 'POST', url: `${base}/documents`, headers: { ...writer, ...badMetadata.headers }, payload: badMetadata.payload });
      expect(badMetadataResponse.statusCode).toBe(400);
      expect(badMetadataResponse.json().error.details[0].path).toBe('metadata');

      const huge = multipart({}, { name: 'huge.txt', type: 'text/plain', content: Buffer.alloc(bodyLimitBytes + 1024, 'a') });
      const tooLarge = await api.app.inject({ method: 'POST', url: `${base}/documents`, headers: { ...writer, ...huge.headers }, payload: huge.payload });
      expect(tooLarge.statusCode).toBe(413);

      const wrongScope = await upload({ source: 'nope.md', content: '# Nope\ntext' }, reader);
      expect(wrongScope.statusCode).toBe(403);
      expect(wrongScope.json().error.code).toBe('insufficient_scope');

      const after = (await api.app.inject({ method: 'GET', url: `${base}/documents?limit=100`, headers: reader })).json().items.length;
      expect(after).toBe(before);
    });

    it('answers 202 for a large upload and reports the job until it has succeeded', async () => {
      const paragraph = 'Security badges must be worn visibly inside the office at all times. ';
      const content = `# Security\n\n${paragraph.repeat(Math.ceil((asyncUploadThresholdBytes + 1) / paragraph.length))}`;
      const accepted = await upload({ source: 'security.md', content });
      expect(accepted.statusCode).toBe(202);
      const { job } = accepted.json();
      expect(job).toMatchObject({ status: expect.stringMatching(/queued|running/), source: 'security.md', workspaceId: workspace.context.workspaceId });
      expect(accepted.headers.location).toBe(`${base}/documents/jobs/${job.id}`);

      await vi.waitFor(
        async () => {
          const status = await api.app.inject({ method: 'GET', url: `${base}/documents/jobs/${job.id}`, headers: writer });
          expect(status.json().status).toBe('succeeded');
        },
        { timeout: 30_000, interval: 50 },
      );
      const finished = (await api.app.inject({ method: 'GET', url: `${base}/documents/jobs/${job.id}`, headers: writer })).json();
      expect(finished.result).toMatchObject({ status: 'created', chunkCount: expect.any(Number) });
      const stored = await api.app.inject({ method: 'GET', url: `${base}/documents/${finished.result.documentId}`, headers: reader });
      expect(stored.json().source).toBe('security.md');

      const otherBase = `/workspaces/${other.context.workspaceId}`;
      const foreign = await api.app.inject({ method: 'GET', url: `${otherBase}/documents/jobs/${job.id}`, headers: bearer(other.adminSecret) });
      expect(foreign.statusCode).toBe(404);
    });

    it('records a failed background job with its error', async () => {
      const accepted = await upload({ source: 'empty.md', content: '    ' }, writer, '?async=true');
      expect(accepted.statusCode).toBe(202);
      const jobId = accepted.json().job.id;
      await vi.waitFor(
        async () => {
          const status = (await api.app.inject({ method: 'GET', url: `${base}/documents/jobs/${jobId}`, headers: writer })).json();
          expect(status).toMatchObject({ status: 'failed', error: { code: 'unprocessable_entity' } });
        },
        { timeout: 30_000, interval: 50 },
      );
    });
  });

  describe('reading and deleting', () => {
    it('lists with a cursor, reads with and without chunks, and deletes', async () => {
      for (const name of ['a', 'b', 'c']) {
        expect((await upload({ source: `notes/${name}.md`, content: `# Note ${name}\nThe note about ${name}.` })).statusCode).toBe(201);
      }
      const first = (await api.app.inject({ method: 'GET', url: `${base}/documents?limit=2`, headers: reader })).json();
      expect(first.items).toHaveLength(2);
      const rest = (await api.app.inject({ method: 'GET', url: `${base}/documents?limit=100&cursor=${first.nextCursor}`, headers: reader })).json();
      const ids = [...first.items, ...rest.items].map((item: { id: string }) => item.id);
      expect(new Set(ids).size).toBe(ids.length);
      const note = [...first.items, ...rest.items].find((item: { source: string }) => item.source === 'notes/a.md');

      const plain = (await api.app.inject({ method: 'GET', url: `${base}/documents/${note.id}`, headers: reader })).json();
      expect(plain).not.toHaveProperty('chunks');
      const detailed = (await api.app.inject({ method: 'GET', url: `${base}/documents/${note.id}?include=chunks`, headers: reader })).json();
      expect(detailed.chunks[0]).toMatchObject({ position: 0, content: expect.stringContaining('note about a') });

      expect((await api.app.inject({ method: 'DELETE', url: `${base}/documents/${note.id}`, headers: reader })).statusCode).toBe(403);
      expect((await api.app.inject({ method: 'DELETE', url: `${base}/documents/${note.id}`, headers: writer })).statusCode).toBe(204);
      const gone = await api.app.inject({ method: 'GET', url: `${base}/documents/${note.id}`, headers: reader });
      expect(gone.statusCode).toBe(404);
    });

    it("does not show one workspace's documents to another's key, even by id", async () => {
      const listed = (await api.app.inject({ method: 'GET', url: `${base}/documents?limit=1`, headers: reader })).json();
      const documentId = listed.items[0].id;
      const otherBase = `/workspaces/${other.context.workspaceId}`;
      const byId = await api.app.inject({ method: 'GET', url: `${otherBase}/documents/${documentId}`, headers: bearer(other.adminSecret) });
      expect(byId.statusCode).toBe(404);
      const list = await api.app.inject({ method: 'GET', url: `${otherBase}/documents`, headers: bearer(other.adminSecret) });
      expect(list.json().items).toEqual([]);
    });
  });

  describe('search', () => {
    const searchIn = (workspaceBase: string, headers: Record<string, string>, body: object) =>
      api.app.inject({ method: 'POST', url: `${workspaceBase}/search`, headers, payload: body });
    let searchBase: string;
    let searcher: Record<string, string>;
    let handbookId: string;

    // Its own workspace, so these tests do not depend on the upload tests above.
    beforeAll(async () => {
      const corpus = await createWorkspaceWithKey(api.database);
      searchBase = `/workspaces/${corpus.context.workspaceId}`;
      searcher = bearer(await corpus.keyFor(['search']));
      const write = (payload: object) =>
        api.app.inject({ method: 'POST', url: `${searchBase}/documents`, headers: bearer(corpus.adminSecret), payload });
      handbookId = (await write({ source: 'handbook.md', content: handbook, metadata: { team: 'hr' } })).json().document.id;
      await write({ source: 'expenses.txt', content: 'Receipts are needed for every expense above ten euros.', metadata: { team: 'finance' } });
      await write({ source: 'northwind.md', content: northwind });
    });

    it('finds the workspace\'s chunks in every mode', async () => {
      for (const mode of ['text', 'vector', 'hybrid']) {
        const response = await searchIn(searchBase, searcher, { query: 'how many days of paid holiday', mode, limit: 3 });
        expect(response.statusCode, mode).toBe(200);
        const body = response.json();
        expect(body.mode).toBe(mode);
        expect(body.hits.length).toBeGreaterThan(0);
        expect(body.hits[0]).toMatchObject({ source: 'handbook.md', content: expect.stringContaining('holiday') });
        expect(body.hits[0].score).toEqual(expect.any(Number));
      }
    });

    it('applies filters and the limit', async () => {
      const filtered = (await searchIn(searchBase, searcher, { query: 'expense receipts', mode: 'text', filters: { documentIds: [handbookId] } })).json();
      expect(filtered.hits.every((hit: { documentId: string }) => hit.documentId === handbookId)).toBe(true);
      const byMetadata = (await searchIn(searchBase, searcher, { query: 'expense receipts', mode: 'text', filters: { metadata: { team: 'finance' } } })).json();
      expect(byMetadata.hits.map((hit: { source: string }) => hit.source)).toEqual(['expenses.txt']);
      const one = (await searchIn(searchBase, searcher, { query: 'holiday expenses receipts', mode: 'hybrid', limit: 1 })).json();
      expect(one.hits).toHaveLength(1);
    });

    it("searches only the key's workspace", async () => {
      const response = await searchIn(`/workspaces/${other.context.workspaceId}`, bearer(other.adminSecret), { query: 'paid holiday', mode: 'hybrid' });
      expect(response.statusCode).toBe(200);
      expect(response.json().hits).toEqual([]);
      const smuggled = await searchIn(`/workspaces/${other.context.workspaceId}`, bearer(other.adminSecret), {
        query: 'paid holiday',
        workspaceId: searchBase.split('/')[2],
      });
      expect(smuggled.statusCode).toBe(400);
    });

    it('finds knowledge-graph facts in graph mode, from this workspace only', async () => {
      const response = await searchIn(searchBase, searcher, { query: 'Who leads Northwind Robotics?', mode: 'graph', limit: 5 });
      expect(response.statusCode).toBe(200);
      const body = response.json();
      expect(body.mode).toBe('graph');
      expect(body.entities.map((entity: { name: string }) => entity.name)).toContain('Northwind Robotics');
      expect(body.facts.length).toBeGreaterThan(0);
      expect(body.facts[0]).toMatchObject({ relation: expect.any(String), fact: expect.any(String), documentIds: [expect.any(String)] });

      const elsewhere = await searchIn(`/workspaces/${other.context.workspaceId}`, bearer(other.adminSecret), {
        query: 'Who leads Northwind Robotics?',
        mode: 'graph',
      });
      expect(elsewhere.json()).toEqual({ mode: 'graph', facts: [], entities: [] });

      const filtered = await searchIn(searchBase, searcher, { query: 'Northwind', mode: 'graph', filters: { documentIds: [handbookId] } });
      expect(filtered.statusCode).toBe(400);
      expect((await searchIn(searchBase, searcher, { query: 'Northwind', mode: 'graph', limit: 60 })).statusCode).toBe(400);
      expect((await searchIn(searchBase, searcher, { query: 'Northwind', mode: 'text', currentOnly: true })).statusCode).toBe(400);
    });

    it('refuses invalid searches and keys without the search scope', async () => {
      expect((await searchIn(searchBase, searcher, { query: '' })).statusCode).toBe(400);
      expect((await searchIn(searchBase, searcher, { query: 'x', mode: 'psychic' })).statusCode).toBe(400);
      expect((await searchIn(searchBase, searcher, { query: 'x', limit: 10_000 })).statusCode).toBe(400);
      const denied = await searchIn(base, bearer(await workspace.keyFor(['chat'])), { query: 'holiday' });
      expect(denied.statusCode).toBe(403);
    });
  });

  describe('deleting a workspace', () => {
    it('takes its documents, chunks and graph with it, on a graph backend outside the database too', async () => {
      const doomed = await createWorkspaceWithKey(api.database);
      const doomedBase = `/workspaces/${doomed.context.workspaceId}`;
      const key = bearer(doomed.adminSecret);
      const uploaded = await api.app.inject({ method: 'POST', url: `${doomedBase}/documents`, headers: key, payload: { source: 'northwind.md', content: northwind } });
      expect(uploaded.statusCode).toBe(201);
      expect((await api.runtime.graphStore.counts(doomed.context)).facts).toBeGreaterThan(0);

      // The postgres store under another backend's name, recording what the route asks of it.
      const cleared: string[] = [];
      const graphStore = {
        ...api.runtime.graphStore,
        backend: 'neo4j' as const,
        clearWorkspaceGraph: async (context: typeof doomed.context) => {
          cleared.push(context.workspaceId);
          return api.runtime.graphStore.clearWorkspaceGraph(context);
        },
      };
      const app = await buildApp({ ...api.runtime, graphStore }, { rateLimit: false });
      try {
        const slug = (await app.inject({ method: 'GET', url: doomedBase, headers: key })).json().slug;
        expect((await app.inject({ method: 'DELETE', url: `${doomedBase}?confirm=wrong`, headers: key })).statusCode).toBe(422);
        expect(cleared).toEqual([]);
        expect((await app.inject({ method: 'DELETE', url: `${doomedBase}?confirm=${slug}`, headers: key })).statusCode).toBe(204);
        expect(cleared).toEqual([doomed.context.workspaceId]);
      } finally {
        await app.close();
      }
      const leftovers = await api.database.query<{ count: number }>(
        `SELECT (SELECT count(*) FROM documents WHERE workspace_id = $1)::int + (SELECT count(*) FROM chunks WHERE workspace_id = $1)::int
              + (SELECT count(*) FROM graph_episodes WHERE workspace_id = $1)::int + (SELECT count(*) FROM graph_entities WHERE workspace_id = $1)::int AS count`,
        [doomed.context.workspaceId],
      );
      expect(leftovers.rows[0]!.count).toBe(0);
    });
  });

  describe('over HTTP', () => {
    it('uploads a file with FormData and searches it with fetch', async () => {
      const address = await api.app.listen({ port: 0, host: '127.0.0.1' });
      const form = new FormData();
      form.set('file', new Blob(['# Parking\nVisitors park on level minus two.'], { type: 'text/markdown' }), 'parking.md');
      form.set('metadata', JSON.stringify({ team: 'facilities' }));
      const uploaded = await fetch(`${address}${base}/documents`, { method: 'POST', headers: writer, body: form });
      expect(uploaded.status).toBe(201);

      const searched = await fetch(`${address}${base}/search`, {
        method: 'POST',
        headers: { ...reader, 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'where do visitors park', mode: 'text' }),
      });
      expect(searched.status).toBe(200);
      const body = (await searched.json()) as { hits: Array<{ source: string }> };
      expect(body.hits[0]?.source).toBe('parking.md');
    });
  });
});
