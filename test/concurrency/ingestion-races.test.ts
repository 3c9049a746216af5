// Ingestion racing itself, through the HTTP API with the knowledge graph on. On the real
// PostgreSQL these requests truly overlap (a pool of connections, one backend each): locks, waits
// and unique-index races happen; on PGlite the same tests check the same outcomes serially.
//  - Two ingestions into one workspace at once, and one into each of two other workspaces: every
//    request succeeds (no deadlock), and postings and search_statistics equal a recount from chunks.
//  - One source written by concurrent requests: one version wins whole, the others are unchanged
//    or replaced whole; never two rows.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withWorkspace } from '../../src/db/workspace-scope.ts';
import { bearer, createTestApi, createWorkspaceWithKey, type TestApi, type TestWorkspace } from '../api/helpers.ts';
import { checkWorkspaceConsistency, consistencyProblems } from '../helpers/workspace-consistency.ts';

const documentsDirectory = path.resolve(import.meta.dirname, '../../documents');

interface CorpusFile {
  source: string;
  content: string;
}

/** The sample corpora (Markdown, text, HTML), each file twice under two names: 20-odd documents sharing entities. */
async function readCorpus(): Promise<CorpusFile[]> {
  const files: CorpusFile[] = [];
  for (const folder of await readdir(documentsDirectory)) {
    for (const name of await readdir(path.join(documentsDirectory, folder))) {
      const content = await readFile(path.join(documentsDirectory, folder, name), 'utf8');
      files.push({ source: `${folder}/${name}`, content }, { source: `copy/${folder}/${name}`, content: `${content}\n\nA copy kept for the archive.` });
    }
  }
  return files;
}

function uploadRequest(api: TestApi, workspace: TestWorkspace, file: CorpusFile) {
  const contentType = file.source.endsWith('.html') ? 'text/html' : file.source.endsWith('.txt') ? 'text/plain' : 'text/markdown';
  return api.app.inject({
    method: 'POST',
    url: `/workspaces/${workspace.context.workspaceId}/documents`,
    headers: bearer(workspace.adminSecret),
    payload: { source: file.source, content: file.content, contentType },
  });
}

async function searchScores(api: TestApi, workspace: TestWorkspace, query: string, mode: string) {
  const response = await api.app.inject({
    method: 'POST',
    url: `/workspaces/${workspace.context.workspaceId}/search`,
    headers: bearer(workspace.adminSecret),
    payload: { query, mode, limit: 10 },
  });
  expect(response.statusCode).toBe(200);
  // Hits of equal score are ordered by chunk id, which differs between workspaces: compare them as a set.
  return (response.json().hits as Array<{ source: string; position: number; score: number }>)
    .map((hit) => `${hit.score.toFixed(9)} ${hit.source}#${hit.position}`)
    .sort();
}

describe('concurrent ingestion', () => {
  let api: TestApi;
  let corpus: CorpusFile[];

  beforeAll(async () => {
    // Writers overlap here: the server's own bound on them (one by default) would queue them in the process.
    api = await createTestApi({ environment: { RAGSPACE_DOCUMENT_WRITERS: '8' } });
    corpus = await readCorpus();
  });
  afterAll(() => api.close());

  it('two lanes into one workspace and one into each of two others: no deadlock, no lost postings', async () => {
    const shared = await createWorkspaceWithKey(api.database);
    const left = await createWorkspaceWithKey(api.database);
    const right = await createWorkspaceWithKey(api.database);
    const half = Math.ceil(corpus.length / 2);
    const lanes: Array<[TestWorkspace, CorpusFile[]]> = [
      [shared, corpus.slice(0, half)],
      [shared, corpus.slice(half)],
      [left, corpus],
      [right, [...corpus].reverse()],
    ];
    const statuses = await Promise.all(
      lanes.map(async ([workspace, files]) => {
        const codes: number[] = [];
        for (const file of files) {
          const response = await uploadRequest(api, workspace, file);
          if (response.statusCode !== 201) throw new Error(`${file.source}: ${response.statusCode} ${response.body}`);
          codes.push(response.statusCode);
        }
        return codes;
      }),
    );
    expect(statuses.flat()).toHaveLength(corpus.length * 3);

    for (const workspace of [shared, left, right]) {
      const report = await checkWorkspaceConsistency(api.database, workspace.context.workspaceId);
      expect(consistencyProblems(report)).toEqual([]);
      expect(report.documents).toBe(corpus.length);
    }
    // The same documents, written in another order and alongside other writers, score the same.
    // (Not hybrid: it fuses ranks, and equal-scoring chunks of a document and its copy are ranked by chunk id.)
    for (const mode of ['text', 'vector']) {
      const expected = await searchScores(api, left, 'How do I reset my password?', mode);
      expect(expected.length).toBeGreaterThan(0);
      expect(await searchScores(api, right, 'How do I reset my password?', mode)).toEqual(expected);
      expect(await searchScores(api, shared, 'How do I reset my password?', mode)).toEqual(expected);
    }
  });

  it('lets one version of a source win whole when several requests write it at once', async () => {
    const workspace = await createWorkspaceWithKey(api.database);
    const version = (name: string) => ({
      source: 'policies/refunds.md',
      content: `# Refund policy ${name}\n\n${Array.from({ length: 40 }, (_, index) => `Rule ${index} of version ${name}: refunds take ${index} days.`).join('\n\n')}`,
    });
    for (let round = 0; round < 4; round += 1) {
      const names = [`r${round}a`, `r${round}b`, `r${round}c`];
      const responses = await Promise.all(names.map((name) => uploadRequest(api, workspace, version(name))));
      const bodies = responses.map((response) => {
        expect([200, 201]).toContain(response.statusCode);
        return response.json() as { status: string; document: { contentHash: string; id: string } };
      });
      if (round === 0) expect(bodies.filter((body) => body.status === 'created')).toHaveLength(1);
      // Different versions replace each other; none is ever "unchanged".
      expect(bodies.every((body) => body.status === 'created' || body.status === 'updated')).toBe(true);

      const stored = await withWorkspace(api.database, workspace.context, async (transaction) => {
        const documents = await transaction.query<{ id: string; contentHash: string; title: string }>(
          'SELECT id, content_hash AS "contentHash", title FROM documents WHERE workspace_id = $1 AND source = $2',
          [workspace.context.workspaceId, 'policies/refunds.md'],
        );
        const chunks = await transaction.query<{ content: string }>('SELECT content FROM chunks WHERE workspace_id = $1', [workspace.context.workspaceId]);
        return { documents: documents.rows, chunks: chunks.rows.map((chunk) => chunk.content) };
      });
      expect(stored.documents).toHaveLength(1);
      const winner = names.find((name) => stored.documents[0]!.title === `Refund policy ${name}`)!;
      expect(winner).toBeDefined();
      expect(bodies.map((body) => body.document.contentHash)).toContain(stored.documents[0]!.contentHash);
      // Every chunk is the winner's: no mix of versions.
      for (const chunk of stored.chunks) {
        for (const name of names) if (name !== winner) expect(chunk).not.toContain(`version ${name}`);
      }
      expect(stored.chunks.some((chunk) => chunk.includes(`version ${winner}`))).toBe(true);
      expect(consistencyProblems(await checkWorkspaceConsistency(api.database, workspace.context.workspaceId))).toEqual([]);
    }

    // The same version sent twice at once: stored once, the other request is told it is unchanged.
    const same = version('same');
    const twice = await Promise.all([uploadRequest(api, workspace, same), uploadRequest(api, workspace, same)]);
    expect(twice.map((response) => response.json().status).sort()).toEqual(['unchanged', 'updated']);
    expect(new Set(twice.map((response) => response.json().document.id)).size).toBe(1);
  });
});
