// CSV and TSV with csv-parse: the first row is the header, every later row is rendered against it
// (table-rows.ts). A CSV's delimiter (comma, semicolon, tab or pipe: spreadsheet exports in many
// locales use semicolons) is the one its header line uses most outside quotes.
import { parse } from 'csv-parse/sync';
import type { LoadedDocument } from './loaded-document.ts';
import { titleFromSource } from './loaded-document.ts';
import { unreadable } from './office-archive.ts';
import { renderTableRows } from './table-rows.ts';
import { decodeText } from './text-decoding.ts';

const candidateDelimiters = [',', ';', '\t', '|'];

export function guessDelimiter(text: string): string {
  const counts = new Map(candidateDelimiters.map((delimiter) => [delimiter, 0]));
  let quoted = false;
  for (const character of text) {
    if (character === '"') quoted = !quoted;
    else if (!quoted && (character === '\n' || character === '\r')) break;
    else if (!quoted && counts.has(character)) counts.set(character, counts.get(character)! + 1);
  }
  return [...counts].reduce((best, entry) => (entry[1] > best[1] ? entry : best))[0];
}

export function loadDelimitedText(source: string, content: string | Uint8Array, separator: 'auto' | '\t'): LoadedDocument {
  const text = decodeText(source, content);
  let records: string[][];
  try {
    records = parse(text, {
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      delimiter: separator === 'auto' ? guessDelimiter(text) : separator,
    }) as string[][];
  } catch (error) {
    throw unreadable(source, separator === '\t' ? 'TSV' : 'CSV', error);
  }
  const rows = records.map((cells, index) => ({ number: index + 1, cells }));
  return { title: titleFromSource(source), text: renderTableRows(rows), structure: 'plain' };
}
