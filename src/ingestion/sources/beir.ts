// A BEIR corpus as documents: one per corpus.jsonl line, source = its _id, the title as the first line.
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { validationError } from '../../errors.ts';
import { readBeirCorpus } from '../../search/evaluation/beir-dataset.ts';
import type { IngestItem } from './ingest-item.ts';

export async function* beirCorpusItems(directory: string): AsyncGenerator<IngestItem> {
  for await (const entry of readBeirCorpus(directory)) {
    if ('error' in entry) {
      const message = entry.error;
      yield { source: `corpus.jsonl:${entry.lineNumber}`, read: () => Promise.reject(validationError(message)) };
      continue;
    }
    const content = entry.title ? `${entry.title}\n\n${entry.text}` : entry.text;
    yield {
      source: entry.id,
      read: async () => ({ source: entry.id, title: entry.title || entry.id, content, contentType: 'text/plain' }),
    };
  }
}

/** The number of documents in corpus.jsonl (its non-empty lines), for a progress bar's total. */
export async function countBeirCorpus(directory: string): Promise<number> {
  let count = 0;
  const lines = createInterface({ input: createReadStream(path.join(directory, 'corpus.jsonl'), 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) if (line.trim()) count += 1;
  return count;
}
