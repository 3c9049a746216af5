// Bench documents for the ingestion scenarios: the search scenarios' synthetic CISI documents
// (eight abstracts each, ≈ 10 chunks of 128 tokens), as a fixed list of texts.
import type { IngestItem } from '../../src/ingestion/sources/ingest-item.ts';
import { syntheticDocuments } from '../fixtures/cisi-workspaces.ts';

export interface BenchDocument {
  source: string;
  content: string;
}

/** The first `count` synthetic documents of `seed`, read. */
export async function benchDocuments(abstracts: readonly string[], seed: number, prefix: string, count: number): Promise<BenchDocument[]> {
  const items = syntheticDocuments(abstracts, seed, prefix);
  const documents: BenchDocument[] = [];
  for (let index = 0; index < count; index += 1) {
    const { source, content } = await (items.next().value as IngestItem).read();
    documents.push({ source, content: content as string });
  }
  return documents;
}

export function asIngestItems(documents: readonly BenchDocument[]): IngestItem[] {
  return documents.map((document) => ({ source: document.source, read: async () => document }));
}
