// Small real office documents, written by the libraries that write these formats (docx,
// pptxgenjs, exceljs, xlsx-populate for an encrypted workbook) or, for OpenDocument, packaged by
// hand as the specification lays out (mimetype first and stored, manifest, content.xml, meta.xml).
import { Document, HeadingLevel, Packer, Paragraph, Table, TableCell, TableRow } from 'docx';
import ExcelJS from 'exceljs';
import { strToU8, zipSync, type Zippable } from 'fflate';
import pptxModule from 'pptxgenjs';
import XlsxPopulate from 'xlsx-populate';
import { contentTypes } from '../../src/ingestion/loaders/content-types.ts';

// pptxgenjs's ESM build exports the class as default, but its types (in a CommonJS package) make
// TypeScript see the module object there.
const PptxGenJS = pptxModule as unknown as typeof pptxModule.default;

/** The formats' MIME types, as ragspace knows them. */
export const mimeTypes = contentTypes;

/** An employee handbook: a title, two heading levels, paragraphs and a small table. */
export async function buildDocx(): Promise<Uint8Array> {
  const document = new Document({
    title: 'Employee Handbook',
    sections: [
      {
        children: [
          new Paragraph({ text: 'Employee Handbook', heading: HeadingLevel.TITLE }),
          new Paragraph({ text: 'Leave', heading: HeadingLevel.HEADING_1 }),
          new Paragraph('Every employee gets 25 days of annual leave per calendar year.'),
          new Paragraph({ text: 'Sick leave', heading: HeadingLevel.HEADING_2 }),
          new Paragraph('Report sickness to your manager before 9am on the first day.'),
          new Paragraph({ text: 'Expenses', heading: HeadingLevel.HEADING_1 }),
          new Table({
            rows: [
              ['Item', 'Limit'],
              ['Hotel night', '180 EUR'],
            ].map((cells) => new TableRow({ children: cells.map((text) => new TableCell({ children: [new Paragraph(text)] })) })),
          }),
        ],
      },
    ],
  });
  return new Uint8Array(await Packer.toBuffer(document));
}

/** Two slides: a title slide, and a slide with a bulleted list and speaker notes. */
export async function buildPptx(): Promise<Uint8Array> {
  const presentation = new PptxGenJS();
  presentation.title = 'Quarterly review';
  const first = presentation.addSlide();
  first.addText('Quarterly review', { x: 1, y: 0.5, w: 8, h: 1 });
  first.addText('Revenue grew 12 percent in the third quarter.', { x: 1, y: 2, w: 8, h: 1 });
  const second = presentation.addSlide();
  second.addText('Next steps', { x: 1, y: 0.5, w: 8, h: 1 });
  second.addText(
    [
      { text: 'Hire two support engineers', options: { bullet: true, breakLine: true } },
      { text: 'Open the Lisbon office in March', options: { bullet: true } },
    ],
    { x: 1, y: 2, w: 8, h: 2 },
  );
  second.addNotes('Mention the hiring budget of 240,000 EUR.');
  return new Uint8Array((await presentation.write({ outputType: 'nodebuffer' })) as Buffer);
}

/** Two sheets: salaries (text, numbers, a date, a formula) and offices. */
export async function buildXlsx(): Promise<Uint8Array> {
  const workbook = new ExcelJS.Workbook();
  workbook.title = 'Staff list';
  const salaries = workbook.addWorksheet('Salaries');
  salaries.addRow(['Name', 'Department', 'Salary', 'Start date']);
  salaries.addRow(['Alice Martin', 'Sales', 52000, new Date(Date.UTC(2021, 2, 1))]);
  salaries.addRow(['Bruno Keller', 'Engineering', 61000, new Date(Date.UTC(2020, 0, 15))]);
  salaries.addRow(['Total', '', { formula: 'SUM(C2:C3)', result: 113000 }, '']);
  const offices = workbook.addWorksheet('Offices');
  offices.addRow(['City', 'Head count']);
  offices.addRow(['Lisbon', 14]);
  return new Uint8Array(await workbook.xlsx.writeBuffer());
}

/** An XLSX workbook encrypted with a password, as Excel writes it (an OLE compound file). */
export async function buildEncryptedXlsx(): Promise<Uint8Array> {
  const workbook = await XlsxPopulate.fromBlankAsync();
  workbook.sheet(0).cell('A1').value('Secret salaries');
  return new Uint8Array(await workbook.outputAsync({ password: 'hunter2' }));
}

const odfNamespaces = [
  'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"',
  'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"',
  'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"',
  'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"',
  'xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0"',
  'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"',
  'xmlns:dc="http://purl.org/dc/elements/1.1/"',
].join(' ');

/** An OpenDocument package: mimetype first and uncompressed, then the manifest and the parts. */
function packageOpenDocument(mimeType: string, body: string, title: string, options: { encrypted?: boolean } = {}): Uint8Array {
  const encryption = options.encrypted
    ? '<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="AAAA"><manifest:algorithm manifest:algorithm-name="Blowfish CFB" manifest:initialisation-vector="AAAA"/><manifest:key-derivation manifest:key-derivation-name="PBKDF2" manifest:iteration-count="1024" manifest:salt="AAAA"/></manifest:encryption-data>'
    : '';
  const manifest = `<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">
 <manifest:file-entry manifest:full-path="/" manifest:media-type="${mimeType}"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">${encryption}</manifest:file-entry>
 <manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>
</manifest:manifest>`;
  const content = `<?xml version="1.0" encoding="UTF-8"?>
<office:document-content ${odfNamespaces} office:version="1.3"><office:body>${body}</office:body></office:document-content>`;
  const meta = `<?xml version="1.0" encoding="UTF-8"?>
<office:document-meta ${odfNamespaces} office:version="1.3"><office:meta><dc:title>${title}</dc:title></office:meta></office:document-meta>`;
  const files: Zippable = {
    mimetype: [strToU8(mimeType), { level: 0 }],
    'META-INF/manifest.xml': strToU8(manifest),
    // An encrypted part's bytes are ciphertext, not XML.
    'content.xml': options.encrypted ? new Uint8Array([0x8f, 0x12, 0x00, 0x55, 0xd3, 0x41, 0x9a, 0x07]) : strToU8(content),
    'meta.xml': strToU8(meta),
  };
  return zipSync(files);
}

export function buildOdt(options: { encrypted?: boolean } = {}): Uint8Array {
  return packageOpenDocument(
    mimeTypes.odt,
    `<office:text>
      <text:sequence-decls/>
      <text:h text:outline-level="1">Travel policy</text:h>
      <text:p>Book trains for trips<text:s text:c="2"/>under 600 km.</text:p>
      <text:h text:outline-level="2">Per diem</text:h>
      <text:p>The daily allowance is <text:span>45 EUR</text:span> in Portugal.</text:p>
      <text:list><text:list-item><text:p>Keep every receipt</text:p></text:list-item><text:list-item><text:p>Submit within 30 days</text:p></text:list-item></text:list>
      <text:tracked-changes><text:changed-region><text:deletion><text:p>Deleted draft sentence.</text:p></text:deletion></text:changed-region></text:tracked-changes>
    </office:text>`,
    'Travel policy',
    options,
  );
}

export function buildOds(): Uint8Array {
  const cell = (value: string) => `<table:table-cell office:value-type="string"><text:p>${value}</text:p></table:table-cell>`;
  const number = (value: number) => `<table:table-cell office:value-type="float" office:value="${value}"><text:p>${value.toLocaleString('en-US')}</text:p></table:table-cell>`;
  return packageOpenDocument(
    mimeTypes.ods,
    `<office:spreadsheet>
      <table:table table:name="Inventory">
        <table:table-row>${cell('Part')}${cell('Warehouse')}${cell('Stock')}<table:table-cell table:number-columns-repeated="16381"/></table:table-row>
        <table:table-row>${cell('Flux capacitor')}${cell('Porto')}${number(1210)}<table:table-cell table:number-columns-repeated="16381"/></table:table-row>
        <table:table-row table:number-rows-repeated="1048573"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>
      </table:table>
      <table:table table:name="Suppliers">
        <table:table-row>${cell('Supplier')}${cell('Country')}</table:table-row>
        <table:table-row>${cell('Doc Brown Ltd')}${cell('Portugal')}</table:table-row>
      </table:table>
    </office:spreadsheet>`,
    'Inventory book',
  );
}

export function buildOdp(): Uint8Array {
  const frame = (role: string, paragraphs: string) =>
    `<draw:frame presentation:class="${role}" svg:x="1cm" svg:y="1cm" svg:width="20cm" svg:height="3cm"><draw:text-box>${paragraphs}</draw:text-box></draw:frame>`;
  return packageOpenDocument(
    mimeTypes.odp,
    `<office:presentation>
      <draw:page draw:name="page1">${frame('title', '<text:p>Roadmap 2027</text:p>')}${frame('outline', '<text:list><text:list-item><text:p>Ship the mobile app</text:p></text:list-item></text:list>')}</draw:page>
      <draw:page draw:name="page2">${frame('title', '<text:p>Risks</text:p>')}${frame('outline', '<text:p>The supplier in Porto may raise prices.</text:p>')}
        <presentation:notes><draw:page-thumbnail/>${frame('notes', '<text:p>Ask finance for a hedge.</text:p>')}</presentation:notes></draw:page>
    </office:presentation>`,
    'Roadmap',
  );
}

/** A file that claims to be a DOCX but is a truncated ZIP. */
export function buildCorruptDocx(valid: Uint8Array): Uint8Array {
  return valid.slice(0, Math.floor(valid.byteLength / 3));
}
