// What an extractor turns one document into: entities and the facts between them, named as in the text.
// Extraction is batched per document (one call covers all its chunks), never per sentence.
import type { EntityType } from '../model.ts';

/** The offline (compromise) extractor's name; here, so naming it does not load compromise. */
export const offlineExtractorName = 'offline-compromise';

export interface ExtractionInput {
  documentTitle: string;
  /** The document's chunks in order; `key` identifies the episode each becomes. */
  episodes: Array<{ key: string; content: string }>;
  /** ISO time the document was ingested. */
  referenceTime: string;
}

export interface ExtractedEntity {
  name: string;
  type: EntityType;
  summary: string;
  /** Episodes that mention it. */
  episodeKeys: string[];
}

export interface ExtractedFact {
  /** Entity names, as in `entities` (matched after normalisation). */
  source: string;
  target: string;
  relation: string;
  /** A self-contained sentence stating the fact. */
  fact: string;
  validAt: string | null;
  invalidAt: string | null;
  episodeKey: string;
}

export interface ExtractionResult {
  entities: ExtractedEntity[];
  facts: ExtractedFact[];
}

export interface GraphExtractor {
  /** Honest name of the implementation ("offline-compromise", "llm:<model>"). */
  readonly name: string;
  extract(input: ExtractionInput): Promise<ExtractionResult>;
}
