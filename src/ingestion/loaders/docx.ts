// Word documents (.docx) with mammoth: Word's heading styles become HTML headings, which the HTML
// loader turns into Markdown headings, so chunks keep the document's section path. Tables stay
// tables; images and linked files are never read.
import mammoth from 'mammoth';
import { loadHtml } from './html.ts';
import type { LoadedDocument } from './loaded-document.ts';
import { documentTitle, openOfficeArchive, requireBytes, unreadable } from './office-archive.ts';

const format = 'DOCX';

// Word's Title and Subtitle styles are headings in all but name.
const styleMap = ["p[style-name='Title'] => h1:fresh", "p[style-name='Subtitle'] => h2:fresh"];

export async function loadDocx(source: string, content: string | Uint8Array): Promise<LoadedDocument> {
  const bytes = requireBytes(source, format, content);
  const archive = openOfficeArchive(source, format, bytes);
  if (!archive.entries.has('word/document.xml')) throw unreadable(source, format, new Error('it has no word/document.xml'));
  let html: string;
  try {
    const result = await mammoth.convertToHtml(
      { buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) },
      { styleMap, externalFileAccess: false, convertImage: mammoth.images.imgElement(async () => ({ src: '' })) },
    );
    html = result.value;
  } catch (error) {
    throw unreadable(source, format, error);
  }
  const loaded = loadHtml(source, html);
  return { ...loaded, title: documentTitle(archive, 'docProps/core.xml') ?? loaded.title };
}
