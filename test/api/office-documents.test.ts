// Office and tabular documents through the HTTP API: multipart uploads and base64 JSON go through
// the same loaders and pipeline, a question about a spreadsheet cell finds its row and header, and
// a corrupt or password-protected upload is refused by name with nothing stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCorruptDocx, buildDocx, buildEncryptedXlsx, buildOdp, buildPptx, buildXlsx, mimeTypes } from '../helpers/office-files.ts';
import { bearer, createTestApi, createWorkspaceWithKey, type TestApi } from './helpers.ts';

describe('office documents over the API', () => {
  let api: TestApi;
  let writer: Record<string, string>;
  let reader: Record<string, string>;
  let base: string;

  beforeAll(async () => {
    api = await createTestApi();
    const workspace = await createWorkspaceWithKey(api.database);
    writer = bearer(await workspace.keyFor(['documents:write']));
    reader = bearer(await workspace.keyFor(['search']));
    base = `/workspaces/${workspace.context.workspaceId}`;
  });
  afterAll(() => api.close());

  async function uploadFile(name: string, type: string, content: Uint8Array) {
    const form = new FormData();
    form.set('file', new Blob([content], { type }), name);
    const request = new Request('http://localhost/', { method: 'POST', body: form });
    return api.app.inject({
      method: 'POST',
      url: `${base}/documents`,
      headers: { ...writer, 'content-type': request.headers.get('content-type')! },
      payload: Buffer.from(await request.arrayBuffer()),
    });
  }

  const chunksOf = async (documentId: string) =>
    (await api.app.inject({ method: 'GET', url: `${base}/documents/${documentId}?include=chunks`, headers: reader })).json().chunks as Array<{
      content: string;
      headingPath: string[];
    }>;

  const documentCount = async () =>
    (await api.app.inject({ method: 'GET', url: `${base}/documents?limit=100`, headers: reader })).json().items.length as number;

  it('stores a multipart DOCX with its section headings', async () => {
    const response = await uploadFile('handbook.docx', mimeTypes.docx, await buildDocx());
    expect(response.statusCode).toBe(201);
    const { document } = response.json();
    expect(document).toMatchObject({ source: 'handbook.docx', title: 'Employee Handbook', contentType: mimeTypes.docx });
    const chunks = await chunksOf(document.id);
    expect(chunks.find((chunk) => chunk.content.includes('before 9am'))?.headingPath).toEqual(['Leave', 'Sick leave']);
  });

  it('stores a PPTX as one chunk per slide', async () => {
    const response = await uploadFile('review.pptx', 'application/octet-stream', await buildPptx());
    expect(response.statusCode).toBe(201);
    expect(response.json().document.contentType).toBe(mimeTypes.pptx);
    const chunks = await chunksOf(response.json().document.id);
    expect(chunks.map((chunk) => chunk.headingPath)).toEqual([['Slide 1: Quarterly review'], ['Slide 2: Next steps']]);
  });

  it('takes a base64 XLSX in JSON, and a question about a cell finds its row with the header', async () => {
    const content = Buffer.from(await buildXlsx()).toString('base64');
    const response = await api.app.inject({
      method: 'POST',
      url: `${base}/documents`,
      headers: writer,
      payload: { source: 'staff.xlsx', content, contentEncoding: 'base64' },
    });
    expect(response.statusCode).toBe(201);
    for (const mode of ['text', 'hybrid']) {
      const search = await api.app.inject({
        method: 'POST',
        url: `${base}/search`,
        headers: reader,
        payload: { query: 'What is the salary of Bruno Keller?', mode, limit: 3 },
      });
      const [top] = search.json().hits;
      expect(top).toMatchObject({ source: 'staff.xlsx', headingPath: ['Sheet: Salaries'] });
      expect(top.content).toContain('Row 3: Name: Bruno Keller; Department: Engineering; Salary: 61000');
    }
  });

  it('reads OpenDocument uploads too', async () => {
    const response = await uploadFile('roadmap.odp', mimeTypes.odp, buildOdp());
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ document: { title: 'Roadmap' }, chunkCount: 2 });
  });

  it('refuses corrupt, password-protected and badly encoded uploads by name, storing nothing', async () => {
    const before = await documentCount();
    const corrupt = await uploadFile('contract.docx', mimeTypes.docx, buildCorruptDocx(await buildDocx()));
    expect(corrupt.statusCode).toBe(422);
    expect(corrupt.json().error).toMatchObject({ code: 'unprocessable_entity', message: expect.stringMatching(/^"contract\.docx" could not be read as DOCX/) });

    const encrypted = await uploadFile('salaries.xlsx', mimeTypes.xlsx, await buildEncryptedXlsx());
    expect(encrypted.statusCode).toBe(422);
    expect(encrypted.json().error.message).toMatch(/^"salaries\.xlsx" is password-protected/);

    const badBase64 = await api.app.inject({
      method: 'POST',
      url: `${base}/documents`,
      headers: writer,
      payload: { source: 'staff.xlsx', content: 'not*base64!', contentEncoding: 'base64' },
    });
    expect(badBase64.statusCode).toBe(400);
    expect(badBase64.json().error).toMatchObject({ code: 'validation_error', details: [{ path: 'body.content' }] });

    const binaryAsText = await api.app.inject({ method: 'POST', url: `${base}/documents`, headers: writer, payload: { source: 'deck.pptx', content: 'PK...' } });
    expect(binaryAsText.statusCode).toBe(422);
    expect(binaryAsText.json().error.message).toMatch(/"deck\.pptx" is declared as PPTX but was given as text/);
    expect(await documentCount()).toBe(before);
  });
});
