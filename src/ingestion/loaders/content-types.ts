// Which loader reads a document: from its declared content type, else from its file extension.
import path from 'node:path';
import { inlineTextKind } from './inline-text-type.ts';

export const contentTypes = {
  markdown: 'text/markdown',
  plainText: 'text/plain',
  html: 'text/html',
  pdf: 'application/pdf',
  csv: 'text/csv',
  tsv: 'text/tab-separated-values',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  odt: 'application/vnd.oasis.opendocument.text',
  ods: 'application/vnd.oasis.opendocument.spreadsheet',
  odp: 'application/vnd.oasis.opendocument.presentation',
} as const;

export type SupportedContentType = (typeof contentTypes)[keyof typeof contentTypes];

const byExtension: Record<string, SupportedContentType> = {
  '.md': contentTypes.markdown,
  '.markdown': contentTypes.markdown,
  '.txt': contentTypes.plainText,
  '.text': contentTypes.plainText,
  '.html': contentTypes.html,
  '.htm': contentTypes.html,
  '.pdf': contentTypes.pdf,
  '.csv': contentTypes.csv,
  '.tsv': contentTypes.tsv,
  '.docx': contentTypes.docx,
  '.pptx': contentTypes.pptx,
  '.xlsx': contentTypes.xlsx,
  '.odt': contentTypes.odt,
  '.ods': contentTypes.ods,
  '.odp': contentTypes.odp,
};

/** The extensions the loaders read, for the default glob. */
export const supportedExtensions = Object.keys(byExtension).map((extension) => extension.slice(1));

/** Human names of the formats, for error messages and docs. */
export const supportedFormatNames = 'Markdown, plain text, HTML, PDF, CSV/TSV, Word (DOCX), PowerPoint (PPTX), Excel (XLSX) and OpenDocument (ODT, ODS, ODP)';

const aliases: Record<string, SupportedContentType> = {
  'text/x-markdown': contentTypes.markdown,
  'application/xhtml+xml': contentTypes.html,
  'application/x-pdf': contentTypes.pdf,
  'application/csv': contentTypes.csv,
  'text/comma-separated-values': contentTypes.csv,
  'text/tsv': contentTypes.tsv,
};

// Types that say little about the bytes: clients send them when they do not know (octet-stream),
// for any ZIP-based file (zip), and browsers on Windows send Excel's type for every .csv file.
const genericTypes = new Set(['application/octet-stream', 'application/zip', 'application/x-zip-compressed', 'application/vnd.ms-excel']);

/** The extension of a source, lower-cased: of a URL's path (not its host or query), else of the name. */
function sourceExtension(source: string): string {
  if (/^https?:\/\//i.test(source) && URL.canParse(source)) return path.posix.extname(new URL(source).pathname).toLowerCase();
  return path.extname(source).toLowerCase();
}

/**
 * The supported content type of a document, or undefined. A declared type wins over the
 * extension ("text/html; charset=utf-8" counts as text/html); a generic declared type
 * (application/octet-stream) defers to the extension. Inline text (a string) whose source has no
 * extension at all (an id, a URL path without one) is judged by its content (inline-text-type.ts); an unknown
 * extension is refused, and bytes are never guessed at.
 */
export function detectContentType(source: string, declared?: string, content?: string | Uint8Array): SupportedContentType | undefined {
  const essence = declared?.split(';', 1)[0]!.trim().toLowerCase();
  if (essence && !genericTypes.has(essence)) {
    const known = Object.values(contentTypes).find((type) => type === essence) ?? aliases[essence];
    if (known) return known;
    return undefined;
  }
  const extension = sourceExtension(source);
  if (extension !== '' || typeof content !== 'string') return byExtension[extension];
  return contentTypes[inlineTextKind(content)];
}
