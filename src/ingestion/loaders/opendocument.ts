// OpenDocument (LibreOffice, Google Docs exports): text (.odt) keeps its headings, presentations
// (.odp) give one section per slide, spreadsheets (.ods) one section per sheet with rows rendered
// against their header. All three are content.xml inside a ZIP package, read with fflate and
// xmldom (no maintained npm parser for OpenDocument runs on Node 20 and keeps this structure).
import type { LoadedDocument } from './loaded-document.ts';
import { titleFromSource } from './loaded-document.ts';
import {
  asMarkdownLine,
  attributeNamed,
  childElements,
  documentTitle,
  elementsNamed,
  openOfficeArchive,
  requireBytes,
  unreadable,
  type OfficeArchive,
  type XmlElement,
  type XmlNode,
} from './office-archive.ts';
import { renderSheets, type Sheet } from './sheets.ts';
import type { TableRow } from './table-rows.ts';
import { formatDate } from './xlsx.ts';

type OpenDocumentKind = 'text' | 'spreadsheet' | 'presentation';
const formats: Record<OpenDocumentKind, string> = { text: 'ODT', spreadsheet: 'ODS', presentation: 'ODP' };

/** Repeated rows or cells with content are expanded at most this often (an empty repeat only advances). */
const maximumRepeat = 1000;

// Parts of a document that are not its running text: change tracking holds deleted text,
// comments and indexes repeat or annotate what is already there.
const skippedElements = new Set(['tracked-changes', 'annotation', 'annotation-end', 'table-of-content', 'alphabetical-index', 'sequence-decls', 'forms']);

/** The inline text of a paragraph or heading: spans, links, spaces, tabs, line breaks and footnotes. */
function inlineText(node: XmlNode): string {
  let text = '';
  for (let child = node.firstChild; child; child = child.nextSibling) {
    if (child.nodeType === child.TEXT_NODE) {
      text += child.nodeValue ?? '';
      continue;
    }
    if (child.nodeType !== child.ELEMENT_NODE) continue;
    const element = child as XmlElement;
    switch (element.localName) {
      case 's':
        text += ' '.repeat(Math.min(Number(attributeNamed(element, 'c') ?? 1) || 1, 100));
        break;
      case 'tab':
        text += '\t';
        break;
      case 'line-break':
        text += ' ';
        break;
      case 'note': {
        const body = childElements(element).find((part) => part.localName === 'note-body');
        if (body) text += ` (note: ${blockLines(body).join(' ')})`;
        break;
      }
      default:
        if (!skippedElements.has(element.localName ?? '')) text += inlineText(element);
    }
  }
  return text.replace(/[ \t]+/g, ' ').trim();
}

/** Block content (paragraphs, headings, lists, tables, sections) as Markdown lines. */
function blockLines(container: XmlElement, listDepth = 0): string[] {
  const lines: string[] = [];
  for (const element of childElements(container)) {
    if (skippedElements.has(element.localName ?? '')) continue;
    switch (element.localName) {
      case 'h': {
        const text = inlineText(element);
        const level = Math.min(Math.max(Number(attributeNamed(element, 'outline-level') ?? 1) || 1, 1), 6);
        if (text) lines.push('', `${'#'.repeat(level)} ${text}`, '');
        break;
      }
      case 'p': {
        const text = inlineText(element);
        if (text) lines.push(asMarkdownLine(text), '');
        break;
      }
      case 'list':
        for (const item of childElements(element).filter((child) => child.localName === 'list-item' || child.localName === 'list-header')) {
          const itemLines = blockLines(item, listDepth + 1).filter((line) => line !== '');
          const indent = '  '.repeat(listDepth);
          itemLines.forEach((line, index) => lines.push(index === 0 && !line.startsWith(' ') ? `${indent}- ${line}` : line));
        }
        if (listDepth === 0) lines.push('');
        break;
      case 'table':
        for (const row of tableRows(element)) lines.push(asMarkdownLine(row.cells.filter(Boolean).join(' | ')));
        lines.push('');
        break;
      default:
        lines.push(...blockLines(element, listDepth));
    }
  }
  return lines;
}

/** A table cell's value: ISO dates, raw numbers and booleans, else its text. */
function cellValue(cell: XmlElement): string {
  const type = attributeNamed(cell, 'value-type');
  if (type === 'date') {
    const value = attributeNamed(cell, 'date-value');
    const date = value ? new Date(value.length === 10 ? `${value}T00:00:00Z` : `${value}Z`) : undefined;
    if (date && !Number.isNaN(date.getTime())) return formatDate(date);
  }
  if (type === 'float' || type === 'percentage' || type === 'currency') return attributeNamed(cell, 'value') ?? '';
  if (type === 'boolean') return attributeNamed(cell, 'boolean-value') ?? '';
  return elementsNamed(cell, 'p').map(inlineText).filter(Boolean).join(' ');
}

function repeatCount(element: XmlElement, attribute: string): number {
  return Math.max(Number(attributeNamed(element, attribute) ?? 1) || 1, 1);
}

/** The rows of a table:table, in order, with repeats expanded (bounded) and row numbers kept. */
function tableRows(table: XmlElement): TableRow[] {
  const rows: TableRow[] = [];
  let rowNumber = 0;
  const visit = (container: XmlElement) => {
    for (const element of childElements(container)) {
      if (element.localName !== 'table-row') {
        // Header rows, row groups and row containers hold rows too.
        if (/^table-(header-)?rows$|^table-row-group$/.test(element.localName ?? '')) visit(element);
        continue;
      }
      const cells: string[] = [];
      let column = 0;
      for (const cell of childElements(element).filter((child) => child.localName === 'table-cell' || child.localName === 'covered-table-cell')) {
        const value = cell.localName === 'covered-table-cell' ? '' : cellValue(cell);
        const repeat = repeatCount(cell, 'number-columns-repeated');
        if (value) for (let index = 0; index < Math.min(repeat, maximumRepeat); index += 1) cells[column + index] = value;
        column += repeat;
      }
      const repeat = repeatCount(element, 'number-rows-repeated');
      if (cells.length > 0) {
        const dense = Array.from(cells, (cell) => cell ?? '');
        for (let index = 0; index < Math.min(repeat, maximumRepeat); index += 1) rows.push({ number: rowNumber + index + 1, cells: dense });
      }
      rowNumber += repeat;
    }
  };
  visit(table);
  return rows;
}

function presentationClass(frame: XmlElement): string | undefined {
  return attributeNamed(frame, 'class');
}

/** A slide (draw:page): its title frame apart, every other text in drawing order, then its notes. */
function slideSection(page: XmlElement, index: number): string | undefined {
  let title: string | undefined;
  const lines: string[] = [];
  const readShapes = (container: XmlElement) => {
    for (const shape of childElements(container)) {
      if (shape.localName === 'notes') continue;
      if (shape.localName === 'g') {
        readShapes(shape);
        continue;
      }
      const text = blockLines(shape).filter((line) => line !== '');
      if (text.length === 0) continue;
      const role = presentationClass(shape);
      if (title === undefined && role === 'title') title = text.join(' ');
      else lines.push(...text);
    }
  };
  readShapes(page);
  if (title === undefined && lines[0] && lines[0].length <= 120 && !lines[0].startsWith('- ')) title = lines.shift();
  const notes = childElements(page)
    .filter((child) => child.localName === 'notes')
    .flatMap((notesPage) => elementsNamed(notesPage, 'frame').filter((frame) => presentationClass(frame) === 'notes'))
    .flatMap((frame) => blockLines(frame).filter((line) => line !== ''));
  if (notes.length > 0) lines.push('', `Speaker notes: ${notes.join(' ')}`);
  if (!title && lines.length === 0) return undefined;
  return [`# Slide ${index + 1}${title ? `: ${title.replace(/\s+/g, ' ')}` : ''}`, '', ...lines].join('\n').trim();
}

function documentBody(archive: OfficeArchive, source: string, kind: OpenDocumentKind): XmlElement {
  const body = elementsNamed(archive.requireXml('content.xml'), kind)[0];
  if (!body) throw unreadable(source, formats[kind], new Error(`its content.xml has no office:${kind} body`));
  return body;
}

export function loadOpenDocument(source: string, content: string | Uint8Array, kind: OpenDocumentKind): LoadedDocument {
  const format = formats[kind];
  const archive = openOfficeArchive(source, format, requireBytes(source, format, content));
  archive.refuseEncryptedOpenDocument();
  const body = documentBody(archive, source, kind);
  const metadataTitle = documentTitle(archive, 'meta.xml');

  if (kind === 'spreadsheet') {
    const sheets: Sheet[] = childElements(body)
      .filter((element) => element.localName === 'table')
      .map((table, index) => ({ name: attributeNamed(table, 'name') ?? `Sheet ${index + 1}`, rows: tableRows(table) }));
    return { title: metadataTitle ?? titleFromSource(source), text: renderSheets(sheets), structure: 'markdown' };
  }
  if (kind === 'presentation') {
    const sections = childElements(body)
      .filter((element) => element.localName === 'page')
      .map(slideSection)
      .filter((section): section is string => section !== undefined);
    const firstSlideTitle = /^# Slide 1: (.+)$/m.exec(sections[0] ?? '')?.[1];
    return { title: metadataTitle ?? firstSlideTitle ?? titleFromSource(source), text: sections.join('\n\n'), structure: 'markdown' };
  }
  const text = blockLines(body)
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  const firstHeading = /^#\s+(.+)$/m.exec(text)?.[1];
  return { title: metadataTitle ?? firstHeading ?? titleFromSource(source), text, structure: 'markdown' };
}
