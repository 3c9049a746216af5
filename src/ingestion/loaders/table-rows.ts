// Tabular data (spreadsheet sheets, CSV) as text a search can match: one line per row, each cell
// named by its column header ("Row 3: Name: Bob; Department: Engineering; Salary: 61000"). A
// chunk of rows then still says which column each value is in, and a question about a cell finds
// its row, whichever chunk the row lands in.
import { asMarkdownLine } from './office-archive.ts';

export interface TableRow {
  /** The row's number as its application shows it (1-based). */
  number: number;
  /** Cell texts by column, "" for an empty cell. */
  cells: string[];
}

/** "A", "B", … "Z", "AA": a spreadsheet's name for column `index` (0-based). */
export function columnLetter(index: number): string {
  let name = '';
  for (let rest = index + 1; rest > 0; rest = Math.floor((rest - 1) / 26)) name = String.fromCharCode(65 + ((rest - 1) % 26)) + name;
  return name;
}

/** A cell's text on one line. */
export function cellText(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}

/** The first non-empty row is the header; every later row is rendered against it. */
export function renderTableRows(rows: readonly TableRow[]): string {
  const filled = rows
    .map((row) => ({ number: row.number, cells: row.cells.map(cellText) }))
    .filter((row) => row.cells.some((cell) => cell !== ''));
  const [header, ...body] = filled;
  if (!header) return '';
  const names = header.cells.map((cell, index) => cell || `Column ${columnLetter(index)}`);
  const lines = [`Columns: ${names.join('; ')}`];
  for (const row of body) {
    const pairs = row.cells.flatMap((cell, index) => (cell === '' ? [] : [`${names[index] ?? `Column ${columnLetter(index)}`}: ${cell}`]));
    lines.push(asMarkdownLine(`Row ${row.number}: ${pairs.join('; ')}`));
  }
  return lines.join('\n');
}
