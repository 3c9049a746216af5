// `ragspace ingest` and `ragspace eval` as a user runs them: the real binary in a child process,
// talking to an embedded database this test holds open (so each run is a quick socket client).
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { sampleDocumentsDirectory } from '../../src/ingestion/sample-corpora.ts';
import { createOrganization } from '../../src/tenancy/organizations.ts';
import { createWorkspace } from '../../src/tenancy/workspaces.ts';
import { runCli, type CliResult } from '../helpers/cli.ts';
import { buildCorruptDocx, buildDocx, buildPptx } from '../helpers/office-files.ts';
import { createCliEnvironment, type CliEnvironment } from '../helpers/cli-environment.ts';

describe('ragspace ingest | eval', () => {
  let temporary: string;
  let cli: CliEnvironment;
  let owner: Database;
  let ragspace: (...args: string[]) => Promise<CliResult>;
  const hrDirectory = path.join(sampleDocumentsDirectory, 'globex-hr');
  const supportDirectory = path.join(sampleDocumentsDirectory, 'acme-support');

  /** Documents per workspace slug, read by the owner (as the table owner, across workspaces). */
  async function documentsBySlug(): Promise<Record<string, string[]>> {
    const { rows } = await owner.query<{ slug: string; sources: string[] }>(
      `SELECT w.slug, coalesce(array_agg(d.source ORDER BY d.source) FILTER (WHERE d.id IS NOT NULL), '{}') AS sources
       FROM workspaces w LEFT JOIN documents d ON d.workspace_id = w.id GROUP BY w.slug ORDER BY w.slug`,
    );
    return Object.fromEntries(rows.map((row) => [row.slug, row.sources]));
  }

  beforeAll(async () => {
    cli = await createCliEnvironment();
    temporary = cli.directory;
    owner = cli.database;
    const organization = await createOrganization(owner, { name: 'Acme', slug: 'acme' });
    for (const slug of ['alpha', 'beta', 'gamma']) await createWorkspace(owner, { organization: organization.id, name: slug, slug });
    ragspace = (...args) => runCli(args, cli.environment);
  });
  afterAll(() => cli?.close());

  it('ingests a directory, reports unreadable files by name, stores the rest and exits non-zero', async () => {
    const mixed = path.join(temporary, 'mixed');
    await mkdir(path.join(mixed, 'nested'), { recursive: true });
    await writeFile(path.join(mixed, 'faq.md'), '# FAQ\n\n## Refunds\n\nYearly plans are refunded within 14 days.\n');
    await writeFile(path.join(mixed, 'nested', 'notes.txt'), 'Support hours are 9 to 5.');
    await writeFile(path.join(mixed, 'binary.txt'), Buffer.from([0, 1, 2, 3]));
    await writeFile(path.join(mixed, 'table.csv'), 'a,b\n1,2\n');
    await writeFile(path.join(mixed, 'slides.pptx'), await buildPptx());
    await writeFile(path.join(mixed, 'broken.docx'), buildCorruptDocx(await buildDocx()));
    await writeFile(path.join(mixed, 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));

    const result = await ragspace('ingest', '--workspace-id', 'acme/alpha', '--directory', mixed, '--glob', '**/*');
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/^created\s+faq\.md \(1 chunk\)$/m);
    expect(result.stdout).toMatch(/^created\s+nested\/notes\.txt \(1 chunk\)$/m);
    expect(result.stdout).toMatch(/^created\s+table\.csv \(1 chunk\)$/m);
    expect(result.stdout).toMatch(/^created\s+slides\.pptx \(2 chunks\)$/m);
    expect(result.stdout).toMatch(/^failed\s+binary\.txt: "binary\.txt" looks binary/m);
    expect(result.stdout).toMatch(/^failed\s+broken\.docx: "broken\.docx" could not be read as DOCX/m);
    expect(result.stdout).toMatch(/^failed\s+logo\.png: "logo\.png" is not a supported document/m);
    expect(result.stdout).toMatch(/4 created, 0 updated, 0 unchanged, 3 failed/);
    expect((await documentsBySlug()).alpha).toEqual(['faq.md', 'nested/notes.txt', 'slides.pptx', 'table.csv']);
  });

  it('prints a JSON summary, skips unchanged documents, and writes nothing in a dry run', async () => {
    // --no-graph here and below: these runs are about ingestion; the first test keeps the knowledge graph on.
    const first = await ragspace('ingest', '--workspace-id', 'beta', '--directory', hrDirectory, '--json', '--no-graph');
    expect(first.exitCode).toBe(0);
    const summary = JSON.parse(first.stdout);
    expect(summary).toMatchObject({ workspace: { slug: 'beta' }, documents: 6, created: 6, failed: 0, dryRun: false });
    expect(summary.chunks).toBeGreaterThan(6);

    const again = JSON.parse((await ragspace('ingest', '--workspace-id', 'beta', '--directory', hrDirectory, '--json', '--no-graph')).stdout);
    expect(again).toMatchObject({ created: 0, unchanged: 6, chunks: 0 });

    const before = await documentsBySlug();
    const dryRun = await ragspace('ingest', '--workspace-id', 'beta', '--directory', supportDirectory, '--clean', '--dry-run');
    expect(dryRun.exitCode).toBe(0);
    expect(dryRun.stdout).toMatch(/would remove 6 existing documents \(--clean\)/);
    expect(dryRun.stdout).toMatch(/^would-create\s+billing-and-plans\.md/m);
    expect(await documentsBySlug()).toEqual(before);
  });

  it('cleans only the named workspace', async () => {
    await ragspace('ingest', '--workspace-id', 'gamma', '--directory', supportDirectory, '--no-graph');
    const before = await documentsBySlug();
    expect(before.gamma).toHaveLength(6);
    const single = path.join(temporary, 'single');
    await mkdir(single, { recursive: true });
    await writeFile(path.join(single, 'only.md'), '# Only\n\nThe one document left.\n');
    const result = await ragspace('ingest', '--workspace-id', 'gamma', '--directory', single, '--clean', '--no-graph');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/removed 6 existing documents/);
    const after = await documentsBySlug();
    expect(after.gamma).toEqual(['only.md']);
    expect({ ...after, gamma: undefined }).toEqual({ ...before, gamma: undefined });
  });

  it('refuses bad input with a clear message, a non-zero exit and no change', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['ingest', '--workspace-id', 'alpha', '--directory', path.join(temporary, 'missing')], /--directory .*missing: no such directory/],
      [['ingest', '--workspace-id', 'alpha', '--directory', hrDirectory, '--chunk-size', 'lots'], /--chunk-size.*expected a whole number/],
      [['ingest', '--workspace-id', 'alpha', '--directory', hrDirectory, '--chunk-size', '100', '--chunk-overlap', '90'], /chunkOverlap must be at most half of chunkSize/],
      [['ingest', '--workspace-id', 'alpha', '--directory', hrDirectory, '--beir', hrDirectory], /exactly one of --directory <dir> or --beir <dir>/],
      [['ingest', '--workspace-id', 'nowhere', '--directory', hrDirectory], /Workspace "nowhere" not found/],
      [['eval', '--workspace-id', 'alpha', '--dataset', hrDirectory, '--mode', 'fuzzy'], /--mode.*expected one of hybrid, text, vector, all/],
    ];
    const before = await documentsBySlug();
    // Independent failures: run them side by side.
    const results = await Promise.all(cases.map(([args]) => ragspace(...args)));
    results.forEach((result, index) => {
      const [args, message] = cases[index]!;
      expect(result.exitCode, `${args.join(' ')} should fail`).not.toBe(0);
      expect(result.stderr, args.join(' ')).toMatch(message);
      expect(result.stderr, args.join(' ')).not.toMatch(/\n\s+at /); // a message, not a stack trace
    });
    expect(await documentsBySlug()).toEqual(before);
  });

  it('ingests a BEIR corpus (one document per line, source = _id) and evaluates it', async () => {
    const dataset = path.join(temporary, 'beir');
    await mkdir(path.join(dataset, 'qrels'), { recursive: true });
    const corpus = [
      { _id: 'd1', title: 'Password resets', text: 'Reset a forgotten password from the sign-in page.' },
      { _id: 'd2', title: 'Refunds', text: 'Yearly plans are refunded within fourteen days.' },
      { _id: 'd3', title: '', text: 'Conflicted copies appear when two devices edit one file.' },
    ];
    await writeFile(path.join(dataset, 'corpus.jsonl'), `${corpus.map((line) => JSON.stringify(line)).join('\n')}\n{"_id": "broken"\n`);
    await writeFile(path.join(dataset, 'queries.jsonl'), `${JSON.stringify({ _id: 'q1', text: 'forgot my password' })}\n${JSON.stringify({ _id: 'q2', text: 'refund' })}\n`);
    await writeFile(path.join(dataset, 'qrels', 'test.tsv'), 'query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\n');

    const unevaluated = await ragspace('eval', '--workspace-id', 'alpha', '--dataset', dataset);
    expect(unevaluated.exitCode).toBe(1);
    expect(unevaluated.stderr).toMatch(/holds none of the documents judged in .*; ingest the corpus first/);

    const ingested = await ragspace('ingest', '--workspace-id', 'alpha', '--beir', dataset, '--clean', '--json', '--no-graph');
    expect(ingested.exitCode).toBe(1);
    expect(JSON.parse(ingested.stdout)).toMatchObject({ created: 3, failed: 1, results: expect.arrayContaining([expect.objectContaining({ source: 'corpus.jsonl:4', status: 'failed' })]) });
    expect((await documentsBySlug()).alpha).toEqual(['d1', 'd2', 'd3']);

    const [evaluated, table] = await Promise.all([
      ragspace('eval', '--workspace-id', 'alpha', '--dataset', dataset, '--mode', 'all', '--json'),
      ragspace('eval', '--workspace-id', 'alpha', '--dataset', dataset, '--mode', 'text', '--k', '5'),
    ]);
    expect(evaluated.exitCode).toBe(0);
    const report = JSON.parse(evaluated.stdout);
    expect(report.results.map((result: { mode: string }) => result.mode)).toEqual(['text', 'vector', 'hybrid']);
    for (const result of report.results) expect(result).toMatchObject({ ndcg: 1, recall: 1, mrr: 1, queryCount: 2, cutoff: 10, recallDepth: 100 });
    expect(table.stdout).toMatch(/^MODE\s+nDCG@5\s+Recall@100\s+MRR@5/m);
    expect(table.stdout).toMatch(/^text\s+1\.0000\s+1\.0000\s+1\.0000\s+2/m);
  });
});
