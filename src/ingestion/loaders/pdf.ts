// PDF with unpdf (a serverless build of PDF.js bundled in the package: no download, no native code).
// Pages are joined as paragraphs; the title comes from the document information, else the file name.
import { extractText, getDocumentProxy, getMeta } from 'unpdf';
import { unprocessable } from '../../errors.ts';
import { normalizeText } from './text-decoding.ts';
import { titleFromSource, type LoadedDocument } from './loaded-document.ts';

export async function loadPdf(source: string, content: string | Uint8Array): Promise<LoadedDocument> {
  if (typeof content === 'string') throw unprocessable(`"${source}" is declared as PDF but was given as text`);
  let pages: string[];
  let info: Record<string, unknown> = {};
  try {
    // PDF.js takes ownership of (detaches) the buffer it is given: hand it a copy.
    const document = await getDocumentProxy(new Uint8Array(content), { verbosity: 0 });
    try {
      ({ text: pages } = await extractText(document, { mergePages: false }));
      info = (await getMeta(document)).info ?? {};
    } finally {
      await document.destroy();
    }
  } catch (error) {
    throw unprocessable(`"${source}" could not be read as PDF: ${(error as Error).message}`);
  }
  const text = normalizeText(pages.map((page) => normalizeText(page)).join('\n\n'));
  const title = typeof info.Title === 'string' && info.Title.trim() ? info.Title.trim() : titleFromSource(source);
  return { title, text, structure: 'plain' };
}
