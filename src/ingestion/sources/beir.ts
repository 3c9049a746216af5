// A BEIR corpus as documents: one per corpus.jsonl line, source = its _id, the title as the first line.
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
