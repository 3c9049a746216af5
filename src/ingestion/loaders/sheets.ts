// Spreadsheets (XLSX, ODS) as Markdown: one section per sheet, headed by the sheet's name, its rows
// rendered against its header row.
import { renderTableRows, type TableRow } from './table-rows.ts';

export interface Sheet {
  name: string;
  rows: TableRow[];
}

export function renderSheets(sheets: readonly Sheet[]): string {
  return sheets
    .map((sheet) => ({ name: sheet.name.replace(/\s+/g, ' ').trim(), body: renderTableRows(sheet.rows) }))
    .filter((sheet) => sheet.body)
    .map((sheet) => `# Sheet: ${sheet.name}\n\n${sheet.body}`)
    .join('\n\n');
}
