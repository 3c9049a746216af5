// Reads a document's bytes into a title and structured text, choosing the loader by content type.
import { unprocessable, unsupportedMediaType } from '../../errors.ts';
import { contentTypes, detectContentType, supportedExtensions, supportedFormatNames, type SupportedContentType } from './content-types.ts';
import { loadHtml } from './html.ts';
import type { LoadedDocument } from './loaded-document.ts';
import { loadMarkdown } from './markdown.ts';
import { loadPdf } from './pdf.ts';
import { loadPlainText } from './plain-text.ts';
import { decodeText } from './text-decoding.ts';

export { detectContentType, supportedExtensions, type SupportedContentType, type LoadedDocument };

export interface LoaderInput {
  source: string;
  content: string | Uint8Array;
  contentType?: string;
}

export function resolveContentType(input: Pick<LoaderInput, 'source' | 'contentType'> & Partial<Pick<LoaderInput, 'content'>>): SupportedContentType {
  const contentType = detectContentType(input.source, input.contentType, input.content);
  if (!contentType) {
    const declared = input.contentType ? `content type "${input.contentType}"` : 'its file extension';
    throw unsupportedMediaType(
      `"${input.source}" is not a supported document (by ${declared}); supported: ${supportedFormatNames} (${supportedExtensions.map((extension) => `.${extension}`).join(', ')})`,
    );
  }
  return contentType;
}

export async function loadDocument(input: LoaderInput): Promise<LoadedDocument & { contentType: SupportedContentType }> {
  const contentType = resolveContentType(input);
  let loaded: LoadedDocument;
  switch (contentType) {
    case contentTypes.markdown:
      loaded = loadMarkdown(input.source, decodeText(input.source, input.content));
      break;
    case contentTypes.plainText:
      loaded = loadPlainText(input.source, decodeText(input.source, input.content));
      break;
    case contentTypes.html:
      loaded = loadHtml(input.source, decodeText(input.source, input.content));
      break;
    case contentTypes.pdf:
      loaded = await loadPdf(input.source, input.content);
      break;
    // Office parsers are loaded on first use: most deployments and commands never need them.
    case contentTypes.csv:
      loaded = (await import('./csv.ts')).loadDelimitedText(input.source, input.content, 'auto');
      break;
    case contentTypes.tsv:
      loaded = (await import('./csv.ts')).loadDelimitedText(input.source, input.content, '\t');
      break;
    case contentTypes.docx:
      loaded = await (await import('./docx.ts')).loadDocx(input.source, input.content);
      break;
    case contentTypes.pptx:
      loaded = (await import('./pptx.ts')).loadPptx(input.source, input.content);
      break;
    case contentTypes.xlsx:
      loaded = await (await import('./xlsx.ts')).loadXlsx(input.source, input.content);
      break;
    case contentTypes.odt:
      loaded = (await import('./opendocument.ts')).loadOpenDocument(input.source, input.content, 'text');
      break;
    case contentTypes.ods:
      loaded = (await import('./opendocument.ts')).loadOpenDocument(input.source, input.content, 'spreadsheet');
      break;
    case contentTypes.odp:
      loaded = (await import('./opendocument.ts')).loadOpenDocument(input.source, input.content, 'presentation');
      break;
  }
  if (!loaded.text.trim()) throw unprocessable(`"${input.source}" contains no text to index`);
  return { ...loaded, title: loaded.title.slice(0, 500), contentType };
}
