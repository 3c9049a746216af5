// A document made of one endless "word" once froze the whole server (the token counter was
// superlinear on unbroken runs of letters, and all ingestion ran on the event loop). Such documents
// are now accepted or refused with a clear error, through the API (sync and ?async=true) and the
// CLI, in bounded time: this suite finishes only if they do (no timing is asserted).
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createOrganization } from '../../src/tenancy/organizations.ts';
import { createWorkspace } from '../../src/tenancy/workspaces.ts';
import { bearer, createTestApi, createWorkspaceWithKey, type TestApi, type TestWorkspace } from '../api/helpers.ts';
import { runCli } from '../helpers/cli.ts';
import { createCliEnvironment, type CliEnvironment } from '../helpers/cli-environment.ts';
import { seededRandom } from '../helpers/seeded-random.ts';

const tenKilobytes = 10 * 1024;
const tenMegabytes = 10_000_000;
const oneMegabyte = 1_000_000;

/** One "word" of random lowercase letters: the worst shape for byte-pair encoding (few merges, no repeats). */
function randomWord(length: number): string {
  const random = seededRandom(7);
  return Array.from({ length }, () => String.fromCharCode(97 + Math.floor(random() * 26))).join('');
}

const patience = { timeout: 280_000, interval: 200 };

describe('pathological documents through the API', () => {
  let api: TestApi;
  let workspace: TestWorkspace;
  let base: string;
  let writer: Record<string, string>;

  beforeAll(async () => {
    api = await createTestApi();
    workspace = await createWorkspaceWithKey(api.database);
    base = `/workspaces/${workspace.context.workspaceId}`;
    writer = bearer(await workspace.keyFor(['documents:write', 'search']));
  });
  afterAll(() => api?.close());

  const upload = (body: Record<string, unknown>, query = '') =>
    api.app.inject({ method: 'POST', url: `${base}/documents${query}`, headers: writer, payload: body });

  async function finishedJob(jobId: string) {
    let job: { status: string; result: { chunkCount: number } | null; error: { code: string; message: string } | null } | undefined;
    await vi.waitFor(async () => {
      job = (await api.app.inject({ method: 'GET', url: `${base}/documents/jobs/${jobId}`, headers: writer })).json();
      expect(job!.status).toMatch(/succeeded|failed/);
    }, patience);
    return job!;
  }

  it('stores a 10 KB single word, answered at once, and finds it again', async () => {
    const repeated = await upload({ source: 'one-word.txt', content: 'x'.repeat(tenKilobytes) });
    expect(repeated.statusCode).toBe(201);
    expect(repeated.json().chunkCount).toBeGreaterThanOrEqual(1);
    const random = await upload({ source: 'random-word.txt', content: randomWord(tenKilobytes) });
    expect(random.statusCode).toBe(201);
    expect(random.json().chunkCount).toBeGreaterThan(1);
    // The server still answers everything else.
    expect((await api.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
  });

  it('stores a 10 KB single word sent with ?async=true through a job', async () => {
    const accepted = await upload({ source: 'async-word.txt', content: randomWord(tenKilobytes) }, '?async=true');
    expect(accepted.statusCode).toBe(202);
    const job = await finishedJob(accepted.json().job.id);
    expect(job).toMatchObject({ status: 'succeeded', error: null });
    expect(job.result!.chunkCount).toBeGreaterThan(1);
  });

  it('accepts a 10 MB single word and refuses one that would make too many chunks, with a clear error', { timeout: 300_000 }, async () => {
    // 10 MB of one letter in chunks of 8,000 tokens (the largest allowed, to keep the writes short): ≈ 160 chunks.
    const accepted = await upload({ source: 'huge-word.txt', content: 'x'.repeat(tenMegabytes), chunkSize: 8000, chunkOverlap: 0 }, '?async=true');
    expect(accepted.statusCode).toBe(202);
    // 1 MB of random letters in 32-token chunks: about 16,000 chunks, more than a document may have.
    const refused = await upload({ source: 'huge-random-word.txt', content: randomWord(oneMegabyte), chunkSize: 32, chunkOverlap: 0 }, '?async=true');
    expect(refused.statusCode).toBe(202);

    const stored = await finishedJob(accepted.json().job.id);
    expect(stored).toMatchObject({ status: 'succeeded', error: null });
    expect(stored.result!.chunkCount).toBeGreaterThan(100);
    const failed = await finishedJob(refused.json().job.id);
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'unprocessable_entity' } });
    expect(failed.error!.message).toMatch(/makes \d+ chunks of at most 32 tokens; a document may have at most 10000/);
    const listed = (await api.app.inject({ method: 'GET', url: `${base}/documents?limit=100`, headers: writer })).json();
    expect(listed.items.map((document: { source: string }) => document.source)).not.toContain('huge-random-word.txt');
  });
});

describe('pathological documents through the CLI', () => {
  let cli: CliEnvironment;
  let words: string;
  let randomWords: string;

  beforeAll(async () => {
    cli = await createCliEnvironment();
    const organization = await createOrganization(cli.database, { name: 'Acme', slug: 'acme' });
    await createWorkspace(cli.database, { organization: organization.id, name: 'Words', slug: 'words' });
    words = path.join(cli.directory, 'words');
    randomWords = path.join(cli.directory, 'random-words');
    await mkdir(words, { recursive: true });
    await mkdir(randomWords, { recursive: true });
    await writeFile(path.join(words, 'word-10k.txt'), randomWord(tenKilobytes));
    await writeFile(path.join(words, 'word-10m.txt'), 'x'.repeat(tenMegabytes));
    await writeFile(path.join(randomWords, 'random-1m.txt'), randomWord(oneMegabyte));
  });
  afterAll(() => cli?.close());

  it('stores single words of 10 KB and 10 MB, refuses by name one that makes too many chunks, and exits', { timeout: 300_000 }, async () => {
    const ingest = (directory: string, ...options: string[]) =>
      runCli(['ingest', '--workspace-id', 'acme/words', '--directory', directory, '--no-graph', ...options], cli.environment, undefined, { timeoutMs: 280_000 });
    const [stored, refused] = await Promise.all([ingest(words, '--chunk-size', '8000', '--chunk-overlap', '0'), ingest(randomWords, '--chunk-size', '32', '--chunk-overlap', '0')]);
    expect(stored).toMatchObject({ exitCode: 0, stderr: '' });
    expect(stored.stdout).toMatch(/^created\s+word-10k\.txt \(\d+ chunks?\)$/m);
    expect(stored.stdout).toMatch(/^created\s+word-10m\.txt \(\d+ chunks\)$/m);
    expect(refused).toMatchObject({ exitCode: 1, stderr: '' });
    expect(refused.stdout).toMatch(/^failed\s+random-1m\.txt: "random-1m\.txt" makes \d+ chunks .* at most 10000/m);
  });
});
