// Reads a BEIR-layout test collection: corpus.jsonl, queries.jsonl, qrels/<split>.tsv.
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { validationError } from '../../errors.ts';
import type { Judgements } from './metrics.ts';

export interface BeirDocument {
  id: string;
  title: string;
  text: string;
  lineNumber: number;
}

export interface BeirQuery {
  id: string;
  text: string;
}

async function requireFile(file: string, what: string): Promise<void> {
  const found = await stat(file).catch(() => undefined);
  if (!found?.isFile()) throw validationError(`${what} not found: ${file} (expected a BEIR dataset directory)`);
}

/** Each line of corpus.jsonl; a malformed line is yielded as an error so the caller can report and go on. */
export async function* readBeirCorpus(directory: string): AsyncGenerator<BeirDocument | { lineNumber: number; error: string }> {
  const file = path.join(directory, 'corpus.jsonl');
  await requireFile(file, 'corpus.jsonl');
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber += 1;
    if (!line.trim()) continue;
    try {
      const parsed = JSON.parse(line) as { _id?: unknown; title?: unknown; text?: unknown };
      if (typeof parsed._id !== 'string' && typeof parsed._id !== 'number') throw new Error('missing "_id"');
      if (typeof parsed.text !== 'string') throw new Error('missing "text"');
      yield { id: String(parsed._id), title: typeof parsed.title === 'string' ? parsed.title : '', text: parsed.text, lineNumber };
    } catch (error) {
      yield { lineNumber, error: `corpus.jsonl line ${lineNumber}: ${(error as Error).message}` };
    }
  }
}

export async function readBeirQueries(directory: string): Promise<BeirQuery[]> {
  const file = path.join(directory, 'queries.jsonl');
  await requireFile(file, 'queries.jsonl');
  const lines = (await readFile(file, 'utf8')).split('\n').filter((line) => line.trim());
  return lines.map((line, index) => {
    let parsed: { _id?: unknown; text?: unknown } | undefined;
    try {
      parsed = JSON.parse(line) as { _id?: unknown; text?: unknown };
    } catch {
      parsed = undefined;
    }
    if (!parsed || (typeof parsed._id !== 'string' && typeof parsed._id !== 'number') || typeof parsed.text !== 'string') {
      throw validationError(`queries.jsonl line ${index + 1}: expected a JSON object with "_id" and "text"`);
    }
    return { id: String(parsed._id), text: parsed.text };
  });
}

/** qrels/<split>.tsv with a header line: query-id, corpus-id, score. */
export async function readBeirQrels(directory: string, split = 'test'): Promise<Map<string, Judgements>> {
  const file = path.join(directory, 'qrels', `${split}.tsv`);
  await requireFile(file, `qrels/${split}.tsv`);
  const qrels = new Map<string, Map<string, number>>();
  const lines = (await readFile(file, 'utf8')).split('\n');
  lines.forEach((line, index) => {
    if (index === 0 || !line.trim()) return;
    const [queryId, documentId, score] = line.trim().split('\t');
    const relevance = Number(score);
    if (!queryId || !documentId || !Number.isFinite(relevance)) {
      throw validationError(`qrels/${split}.tsv line ${index + 1}: expected query-id<TAB>corpus-id<TAB>score`);
    }
    if (!qrels.has(queryId)) qrels.set(queryId, new Map());
    qrels.get(queryId)!.set(documentId, relevance);
  });
  return qrels;
}
