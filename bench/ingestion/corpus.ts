// Bench documents: CISI abstracts, eight to a document (≈ 10 chunks of 128 tokens each), drawn by
// a seeded generator so every run ingests the same text.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { IngestItem } from '../../src/ingestion/sources/ingest-item.ts';
import { seededRandom } from '../../test/helpers/seeded-random.ts';
import { cisiDirectory } from '../scenarios/retrieval-quality.ts';

export const benchChunking = { chunkSize: 128, chunkOverlap: 0 };

export async function readCisiAbstracts(): Promise<string[]> {
  return (await readFile(path.join(cisiDirectory, 'corpus.jsonl'), 'utf8'))
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => {
      const document = JSON.parse(line) as { title: string; text: string };
      return `${document.title}\n${document.text}`;
    });
}

export interface BenchDocument {
  source: string;
  content: string;
}

export function syntheticDocuments(abstracts: string[], seed: number, prefix: string, count: number): BenchDocument[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, index) => ({
    source: `${prefix}-${index}.txt`,
    content: Array.from({ length: 8 }, () => abstracts[Math.floor(random() * abstracts.length)]).join('\n\n'),
  }));
}

export function asIngestItems(documents: BenchDocument[]): IngestItem[] {
  return documents.map((document) => ({ source: document.source, read: async () => document }));
}

/** `--quick` on the command line: smaller runs (the whole bench in a couple of minutes). */
export const quick = process.argv.includes('--quick');
