// Office and tabular documents through loadDocument(), on small real files the format's own
// libraries write: DOCX keeps its headings, PPTX and ODP give a section per slide, XLSX and ODS a
// section per sheet, and every row of a sheet or CSV names its columns. Corrupt, encrypted, legacy
// and oversized files are refused by name.
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { RagspaceError } from '../../src/errors.ts';
import { chunkDocument, parseChunkingOptions } from '../../src/ingestion/chunker.ts';
import { detectContentType, loadDocument } from '../../src/ingestion/loaders/index.ts';
import { maximumUnpackedBytes } from '../../src/ingestion/loaders/office-archive.ts';
import { createTokenCounter } from '../../src/ingestion/tokens.ts';
import { buildCorruptDocx, buildDocx, buildEncryptedXlsx, buildOdp, buildOds, buildOdt, buildPptx, buildXlsx, mimeTypes } from '../helpers/office-files.ts';

async function refusal(promise: Promise<unknown>): Promise<RagspaceError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(RagspaceError);
  return error as RagspaceError;
}

/** Sections of Markdown text: heading line → the lines under it. */
function sections(text: string): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  let current = '';
  for (const line of text.split('\n')) {
    if (/^#{1,6} /.test(line)) current = line;
    else if (line.trim()) (result[current] ??= []).push(line);
  }
  return result;
}

describe('office and tabular loaders', () => {
  it('knows the office formats by extension and by MIME type, and defers generic types to the extension', () => {
    expect(detectContentType('Report.DOCX')).toBe(mimeTypes.docx);
    expect(detectContentType('deck.pptx')).toBe(mimeTypes.pptx);
    expect(detectContentType('book.xlsx')).toBe(mimeTypes.xlsx);
    expect(detectContentType('a.odt')).toBe(mimeTypes.odt);
    expect(detectContentType('a.ods')).toBe(mimeTypes.ods);
    expect(detectContentType('a.odp')).toBe(mimeTypes.odp);
    expect(detectContentType('a.csv')).toBe('text/csv');
    expect(detectContentType('a.tsv')).toBe('text/tab-separated-values');
    expect(detectContentType('upload', mimeTypes.xlsx)).toBe(mimeTypes.xlsx);
    // Browsers on Windows label every .csv as Excel's type; a ZIP type says nothing either.
    expect(detectContentType('export.csv', 'application/vnd.ms-excel')).toBe('text/csv');
    expect(detectContentType('deck.pptx', 'application/zip')).toBe(mimeTypes.pptx);
    expect(detectContentType('legacy.doc')).toBeUndefined();
  });

  it('reads DOCX with its headings, paragraphs and tables, titled by its properties', async () => {
    const loaded = await loadDocument({ source: 'hr/handbook.docx', content: await buildDocx() });
    expect(loaded).toMatchObject({ title: 'Employee Handbook', structure: 'markdown', contentType: mimeTypes.docx });
    expect(sections(loaded.text)).toEqual({
      '# Employee Handbook': undefined,
      '# Leave': ['Every employee gets 25 days of annual leave per calendar year.'],
      '## Sick leave': ['Report sickness to your manager before 9am on the first day.'],
      '# Expenses': [expect.stringMatching(/^Item\s+Limit$/), expect.stringMatching(/^Hotel night\s+180 EUR$/)],
    });
    const chunks = await chunkDocument(loaded, parseChunkingOptions(), createTokenCounter());
    expect(chunks.find((chunk) => chunk.content.includes('sickness'))?.headingPath).toEqual(['Leave', 'Sick leave']);
  });

  it('reads PPTX as one section per slide, in order, with bullets and speaker notes', async () => {
    const loaded = await loadDocument({ source: 'review.pptx', content: await buildPptx() });
    expect(loaded.title).toBe('Quarterly review');
    expect(sections(loaded.text)).toEqual({
      '# Slide 1: Quarterly review': ['Revenue grew 12 percent in the third quarter.'],
      '# Slide 2: Next steps': ['- Hire two support engineers', '- Open the Lisbon office in March', 'Speaker notes: Mention the hiring budget of 240,000 EUR.'],
    });
    const chunks = await chunkDocument(loaded, parseChunkingOptions(), createTokenCounter());
    expect(chunks.map((chunk) => chunk.headingPath)).toEqual([['Slide 1: Quarterly review'], ['Slide 2: Next steps']]);
  });

  it('reads XLSX as one section per sheet, each row naming its columns (formulas give their results, dates their ISO form)', async () => {
    const loaded = await loadDocument({ source: 'staff.xlsx', content: await buildXlsx() });
    expect(loaded.title).toBe('Staff list');
    expect(sections(loaded.text)).toEqual({
      '# Sheet: Salaries': [
        'Columns: Name; Department; Salary; Start date',
        'Row 2: Name: Alice Martin; Department: Sales; Salary: 52000; Start date: 2021-03-01',
        'Row 3: Name: Bruno Keller; Department: Engineering; Salary: 61000; Start date: 2020-01-15',
        'Row 4: Name: Total; Salary: 113000',
      ],
      '# Sheet: Offices': ['Columns: City; Head count', 'Row 2: City: Lisbon; Head count: 14'],
    });
  });

  it('keeps the header with every row when a long sheet is split into chunks', async () => {
    const rows = Array.from({ length: 400 }, (_, index) => `Part ${index},Warehouse ${index % 7},${index * 3}`);
    const loaded = await loadDocument({ source: 'stock.csv', content: `Part,Warehouse,Stock\n${rows.join('\n')}\n` });
    const chunks = await chunkDocument(loaded, parseChunkingOptions({ chunkSize: 128, chunkOverlap: 0 }), createTokenCounter());
    expect(chunks.length).toBeGreaterThan(5);
    const holding = chunks.find((chunk) => chunk.content.includes('Part: Part 321;'));
    expect(holding?.content).toMatch(/^Row 323: Part: Part 321; Warehouse: Warehouse 6; Stock: 963$/m);
    for (const chunk of chunks.slice(1)) expect(chunk.content).toMatch(/^Row \d+: Part: /);
  });

  it('reads CSV with a semicolon or tab delimiter, quoted fields and a byte-order mark', async () => {
    const csv = await loadDocument({ source: 'prices.csv', content: strToU8('\ufeffProduct;Price;Note\nTea;3,50;"hot; or iced"\n') });
    expect(csv).toMatchObject({ title: 'prices', structure: 'plain', contentType: 'text/csv' });
    expect(csv.text).toBe('Columns: Product; Price; Note\nRow 2: Product: Tea; Price: 3,50; Note: hot; or iced');
    const tsv = await loadDocument({ source: 'prices.tsv', content: 'Product\tPrice\nCoffee\t2.80\n' });
    expect(tsv.text).toBe('Columns: Product; Price\nRow 2: Product: Coffee; Price: 2.80');
  });

  it('reads ODT with headings and lists, leaving out deleted tracked changes', async () => {
    const loaded = await loadDocument({ source: 'travel.odt', content: buildOdt() });
    expect(loaded.title).toBe('Travel policy');
    expect(sections(loaded.text)).toEqual({
      '# Travel policy': ['Book trains for trips under 600 km.'],
      '## Per diem': ['The daily allowance is 45 EUR in Portugal.', '- Keep every receipt', '- Submit within 30 days'],
    });
    expect(loaded.text).not.toContain('Deleted draft');
  });

  it('reads ODS sheets without expanding the empty rows and columns a spreadsheet declares', async () => {
    const loaded = await loadDocument({ source: 'inventory.ods', content: buildOds() });
    expect(loaded.title).toBe('Inventory book');
    expect(sections(loaded.text)).toEqual({
      '# Sheet: Inventory': ['Columns: Part; Warehouse; Stock', 'Row 2: Part: Flux capacitor; Warehouse: Porto; Stock: 1210'],
      '# Sheet: Suppliers': ['Columns: Supplier; Country', 'Row 2: Supplier: Doc Brown Ltd; Country: Portugal'],
    });
  });

  it('reads ODP as one section per slide with its notes', async () => {
    const loaded = await loadDocument({ source: 'roadmap.odp', content: buildOdp() });
    expect(loaded.title).toBe('Roadmap');
    expect(sections(loaded.text)).toEqual({
      '# Slide 1: Roadmap 2027': ['- Ship the mobile app'],
      '# Slide 2: Risks': ['The supplier in Porto may raise prices.', 'Speaker notes: Ask finance for a hedge.'],
    });
  });

  it('refuses a corrupt file, naming it', async () => {
    const error = await refusal(loadDocument({ source: 'contracts/broken.docx', content: buildCorruptDocx(await buildDocx()) }));
    expect(error.code).toBe('unprocessable_entity');
    expect(error.message).toMatch(/^"contracts\/broken\.docx" could not be read as DOCX; the file is corrupt/);
    const notAZip = await refusal(loadDocument({ source: 'fake.pptx', content: strToU8('just some text, not a presentation') }));
    expect(notAZip.message).toMatch(/^"fake\.pptx" could not be read as PPTX/);
    const missingPart = await refusal(loadDocument({ source: 'empty.odt', content: zipSync({ mimetype: strToU8(mimeTypes.odt) }) }));
    expect(missingPart.message).toMatch(/"empty\.odt" could not be read as ODT.*content\.xml/);
  });

  it('refuses password-protected files, naming them', async () => {
    const workbook = await refusal(loadDocument({ source: 'secret.xlsx', content: await buildEncryptedXlsx() }));
    expect(workbook.code).toBe('unprocessable_entity');
    expect(workbook.message).toMatch(/^"secret\.xlsx" is password-protected/);
    const text = await refusal(loadDocument({ source: 'secret.odt', content: buildOdt({ encrypted: true }) }));
    expect(text.message).toMatch(/^"secret\.odt" is password-protected/);
  });

  it('refuses an archive that declares more unpacked bytes than an office document may hold', async () => {
    const archive = zipSync({ 'content.xml': strToU8('<x/>') });
    // Declare a huge unpacked size in the central directory entry, as a zip bomb does.
    const view = new DataView(archive.buffer, archive.byteOffset, archive.byteLength);
    let directory = archive.byteLength - 22;
    while (view.getUint32(directory, true) !== 0x02014b50) directory -= 1;
    view.setUint32(directory + 24, maximumUnpackedBytes + 1, true);
    const error = await refusal(loadDocument({ source: 'bomb.ods', content: archive }));
    expect(error.message).toMatch(/^"bomb\.ods" unpacks to \d+ MiB, more than the 256 MiB/);
  });

  it('refuses binary formats given as text', async () => {
    const error = await refusal(loadDocument({ source: 'deck.pptx', content: 'PK' }));
    expect(error.message).toMatch(/"deck\.pptx" is declared as PPTX but was given as text/);
  });
});
