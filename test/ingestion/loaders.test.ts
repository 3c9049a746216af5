// The loaders on real files of each format: Markdown, plain text, HTML and a generated PDF; bad
// input is refused with a clear error naming the document.
import { describe, expect, it } from 'vitest';
import { RagspaceError } from '../../src/errors.ts';
import { detectContentType, loadDocument } from '../../src/ingestion/loaders/index.ts';

/** A minimal valid PDF (Helvetica text, one page per entry, a document title). */
export function buildPdf(pages: string[], title: string): Uint8Array {
  const objects: string[] = [];
  const pageIds = pages.map((_, index) => 3 + index * 2);
  const fontId = 3 + pages.length * 2;
  const infoId = fontId + 1;
  objects[1] = '<< /Type /Catalog /Pages 2 0 R >>';
  objects[2] = `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pages.length} >>`;
  pages.forEach((text, index) => {
    const pageId = pageIds[index]!;
    const stream = `BT /F1 18 Tf 72 700 Td (${text}) Tj ET`;
    objects[pageId] = `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents ${pageId + 1} 0 R /Resources << /Font << /F1 ${fontId} 0 R >> >> >>`;
    objects[pageId + 1] = `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`;
  });
  objects[fontId] = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>';
  objects[infoId] = `<< /Title (${title}) >>`;
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  for (let id = 1; id < objects.length; id += 1) {
    offsets[id] = body.length;
    body += `${id} 0 obj\n${objects[id]}\nendobj\n`;
  }
  const xref = body.length;
  body += `xref\n0 ${objects.length}\n0000000000 65535 f \n`;
  for (let id = 1; id < objects.length; id += 1) body += `${String(offsets[id]).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length} /Root 1 0 R /Info ${infoId} 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new TextEncoder().encode(body);
}

async function expectRefused(promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(RagspaceError);
  expect((error as RagspaceError).code).toBe(code);
  expect((error as RagspaceError).message).toMatch(message);
}

describe('loaders', () => {
  it('chooses the loader by declared content type, else by extension', () => {
    expect(detectContentType('a/b/Guide.MD')).toBe('text/markdown');
    expect(detectContentType('page.htm')).toBe('text/html');
    expect(detectContentType('upload.bin', 'application/pdf')).toBe('application/pdf');
    expect(detectContentType('notes.txt', 'text/html; charset=utf-8')).toBe('text/html');
    expect(detectContentType('notes.txt', 'application/octet-stream')).toBe('text/plain');
    expect(detectContentType('sheet.numbers')).toBeUndefined();
    expect(detectContentType('notes.txt', 'image/png')).toBeUndefined();
  });

  it('reads Markdown as is, titled by its first heading', async () => {
    const loaded = await loadDocument({ source: 'guide.md', content: '---\ntitle: Front\n---\n# The Guide\r\n\r\nBody   \n' });
    expect(loaded).toMatchObject({ title: 'The Guide', text: '# The Guide\n\nBody', structure: 'markdown', contentType: 'text/markdown' });
  });

  it('reads plain text titled by its file name', async () => {
    const loaded = await loadDocument({ source: 'docs/release-notes.txt', content: new TextEncoder().encode('Version 1\n\nFixed things.') });
    expect(loaded).toMatchObject({ title: 'release-notes', text: 'Version 1\n\nFixed things.', structure: 'plain' });
  });

  it('turns HTML headings into Markdown headings and drops scripts, navigation and link targets', async () => {
    const html = `<html><head><title>Sync help</title><script>alert(1)</script></head><body>
      <nav><a href="/">Home</a></nav><h1>Sync</h1><p>Read <a href="https://x.example">the guide</a>.</p>
      <h2>Conflicts</h2><ul><li>Keep both</li></ul></body></html>`;
    const loaded = await loadDocument({ source: 'sync.html', content: html });
    expect(loaded.title).toBe('Sync help');
    expect(loaded.structure).toBe('markdown');
    expect(loaded.text).toMatch(/^# Sync\n\nRead the guide\.\n\n## Conflicts\n\n \* Keep both$/);
    expect(loaded.text).not.toMatch(/alert|Home|x\.example/);
  });

  it('extracts the text of every PDF page and the document title', async () => {
    const loaded = await loadDocument({ source: 'report.pdf', content: buildPdf(['Quarterly sync latency report', 'Second page about conflicts'], 'Latency report') });
    expect(loaded.title).toBe('Latency report');
    expect(loaded.text).toContain('Quarterly sync latency report');
    expect(loaded.text).toContain('Second page about conflicts');
    expect(loaded.structure).toBe('plain');
  });

  it('refuses unsupported, binary, invalid and empty documents with a message naming them', async () => {
    await expectRefused(loadDocument({ source: 'sheet.numbers', content: 'x' }), 'unsupported_media_type', /"sheet\.numbers" is not a supported document/);
    await expectRefused(loadDocument({ source: 'blob.txt', content: new Uint8Array([104, 0, 105]) }), 'unprocessable_entity', /"blob\.txt" looks binary/);
    await expectRefused(loadDocument({ source: 'latin1.txt', content: new Uint8Array([0xe9, 0x74, 0xe9]) }), 'unprocessable_entity', /not valid UTF-8/);
    await expectRefused(loadDocument({ source: 'broken.pdf', content: new TextEncoder().encode('%PDF-1.4 nonsense') }), 'unprocessable_entity', /"broken\.pdf" could not be read as PDF/);
    await expectRefused(loadDocument({ source: 'empty.md', content: '  \n\n ' }), 'unprocessable_entity', /"empty\.md" contains no text/);
  });
});
