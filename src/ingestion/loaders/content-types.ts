// Which loader reads a document: from its declared content type, else from its file extension.
import path from 'node:path';

export const contentTypes = {
  markdown: 'text/markdown',
  plainText: 'text/plain',
  html: 'text/html',
  pdf: 'application/pdf',
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
};

/** The extensions the loaders read, for the default glob. */
export const supportedExtensions = Object.keys(byExtension).map((extension) => extension.slice(1));

const aliases: Record<string, SupportedContentType> = {
  'text/x-markdown': contentTypes.markdown,
  'application/xhtml+xml': contentTypes.html,
  'application/x-pdf': contentTypes.pdf,
};

/**
 * The supported content type of a document, or undefined. A declared type wins over the
 * extension ("text/html; charset=utf-8" counts as text/html); a generic declared type
 * (application/octet-stream) defers to the extension.
 */
export function detectContentType(source: string, declared?: string): SupportedContentType | undefined {
  const essence = declared?.split(';', 1)[0]!.trim().toLowerCase();
  if (essence && essence !== 'application/octet-stream') {
    const known = Object.values(contentTypes).find((type) => type === essence) ?? aliases[essence];
    if (known) return known;
    return undefined;
  }
  return byExtension[path.extname(source).toLowerCase()];
}
