// One document waiting to be ingested: its source, and how to read it (reading may fail; the run
// reports that document and goes on).
import type { DocumentInput } from '../documents.ts';

export interface IngestItem {
  source: string;
  read(): Promise<DocumentInput>;
}
