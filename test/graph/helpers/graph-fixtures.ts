// Sample documents for graph tests: fixture files split into paragraph chunks, as ingestion would store them.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { StoredChunk, StoredDocument } from '../../../src/ingestion/document-events.ts';

export const fixtureNames = ['northwind-profile.md', 'globex-news.md', 'northwind-2024-update.md'] as const;

export function readFixture(name: string): string {
  return readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');
}

/** A stored document and its chunks (one per paragraph), with fresh ids unless `documentId` is given. */
export function documentFromText(
  source: string,
  text: string,
  documentId: string = randomUUID(),
): { document: StoredDocument; chunks: StoredChunk[] } {
  const paragraphs = text
    .split(/\n\s*\n/)
    .map((paragraph) => paragraph.trim())
    .filter(Boolean);
  const title = /^#\s+(.*)$/m.exec(text)?.[1] ?? source;
  return {
    document: { id: documentId, source, title, metadata: {} },
    chunks: paragraphs.map((content, position) => ({ id: randomUUID(), position, content, headingPath: [title] })),
  };
}

export function fixtureDocument(name: string, documentId?: string) {
  return documentFromText(name, readFixture(name), documentId);
}
