// Excel workbooks (.xlsx) with exceljs: one section per sheet (a heading with the sheet's name),
// each row rendered against the header row (table-rows.ts). Formulas contribute their cached
// results, dates their ISO form, rich text and hyperlinks their text.
import ExcelJS from 'exceljs';
import type { LoadedDocument } from './loaded-document.ts';
import { titleFromSource } from './loaded-document.ts';
import { openOfficeArchive, requireBytes, unreadable } from './office-archive.ts';
import { renderSheets, type Sheet } from './sheets.ts';

const format = 'XLSX';

/** A date as the ISO date, with the time only when it has one. */
export function formatDate(date: Date): string {
  const iso = date.toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso.replace('.000Z', 'Z');
}

function valueText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return formatDate(value);
  if (typeof value !== 'object') return String(value);
  if ('richText' in value) return value.richText.map((part) => part.text).join('');
  if ('formula' in value || 'sharedFormula' in value) return valueText((value as { result?: ExcelJS.CellValue }).result ?? null);
  if ('hyperlink' in value) return String((value as { text?: unknown }).text ?? value.hyperlink);
  if ('error' in value) return String(value.error);
  return '';
}

export async function loadXlsx(source: string, content: string | Uint8Array): Promise<LoadedDocument> {
  const bytes = requireBytes(source, format, content);
  openOfficeArchive(source, format, bytes);
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as unknown as ExcelJS.Buffer);
  } catch (error) {
    throw unreadable(source, format, error);
  }
  const sheets: Sheet[] = workbook.worksheets.map((worksheet) => {
    const rows: Sheet['rows'] = [];
    worksheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
      const cells: string[] = [];
      row.eachCell({ includeEmpty: false }, (cell, columnNumber) => {
        cells[columnNumber - 1] = valueText(cell.value);
      });
      rows.push({ number: rowNumber, cells: Array.from(cells, (cell) => cell ?? '') });
    });
    return { name: worksheet.name, rows };
  });
  return { title: workbook.title?.trim() || titleFromSource(source), text: renderSheets(sheets), structure: 'markdown' };
}
