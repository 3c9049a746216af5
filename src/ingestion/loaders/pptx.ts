// PowerPoint presentations (.pptx): one section per slide, in the presentation's order, headed
// "Slide N: <title>", with the slide's text (bulleted paragraphs as list items, table rows as
// lines) and its speaker notes. Read from the package's XML with fflate and xmldom: no maintained
// npm parser for PPTX runs on Node 20 and keeps slides apart.
import path from 'node:path';
import type { LoadedDocument } from './loaded-document.ts';
import { titleFromSource } from './loaded-document.ts';
import {
  asMarkdownLine,
  childElements,
  documentTitle,
  elementsNamed,
  openOfficeArchive,
  requireBytes,
  type OfficeArchive,
  type XmlElement,
} from './office-archive.ts';

const format = 'PPTX';
const titlePlaceholders = new Set(['title', 'ctrTitle']);

/** The package relationships of a part: id → { type, target part name }. */
function relationshipsOf(archive: OfficeArchive, partName: string): Map<string, { type: string; target: string }> {
  const relationships = new Map<string, { type: string; target: string }>();
  const document = archive.readXml(path.posix.join(path.posix.dirname(partName), '_rels', `${path.posix.basename(partName)}.rels`));
  if (!document) return relationships;
  for (const relationship of elementsNamed(document, 'Relationship')) {
    const id = relationship.getAttribute('Id');
    const target = relationship.getAttribute('Target');
    if (!id || !target || relationship.getAttribute('TargetMode') === 'External') continue;
    const resolved = target.startsWith('/') ? target.slice(1) : path.posix.normalize(path.posix.join(path.posix.dirname(partName), target));
    relationships.set(id, { type: relationship.getAttribute('Type') ?? '', target: resolved });
  }
  return relationships;
}

/** The r:id of an element (its namespaced "id", not its plain one). */
function relationshipId(element: XmlElement): string | undefined {
  return Array.from(element.attributes).find((attribute) => attribute.localName === 'id' && attribute.namespaceURI)?.value;
}

/** Slide parts in presentation order (sldIdLst), else by their file number. */
function slideParts(archive: OfficeArchive): string[] {
  const presentation = archive.requireXml('ppt/presentation.xml');
  const relationships = relationshipsOf(archive, 'ppt/presentation.xml');
  const ordered = elementsNamed(presentation, 'sldId')
    .map((slide) => relationships.get(relationshipId(slide) ?? '')?.target)
    .filter((target): target is string => target !== undefined && archive.entries.has(target));
  if (ordered.length > 0) return ordered;
  const slideNumber = (name: string) => Number(/slide(\d+)\.xml$/.exec(name)?.[1] ?? 0);
  return [...archive.entries].filter((name) => /^ppt\/slides\/slide\d+\.xml$/.test(name)).sort((a, b) => slideNumber(a) - slideNumber(b));
}

/** A DrawingML paragraph's text: runs, fields and line breaks. */
function paragraphText(paragraph: XmlElement): string {
  let text = '';
  for (const child of childElements(paragraph)) {
    if (child.localName === 'r' || child.localName === 'fld') text += elementsNamed(child, 't').map((run) => run.textContent ?? '').join('');
    else if (child.localName === 'br') text += '\n';
  }
  return text.trim();
}

function isBulleted(paragraph: XmlElement): boolean {
  const properties = childElements(paragraph).find((child) => child.localName === 'pPr');
  return properties ? childElements(properties).some((child) => child.localName === 'buChar' || child.localName === 'buAutoNum') : false;
}

/** The lines of a text body: one per paragraph, bulleted ones as list items. */
function textBodyLines(body: XmlElement): string[] {
  return elementsNamed(body, 'p').flatMap((paragraph) => {
    const text = paragraphText(paragraph);
    if (!text) return [];
    return [isBulleted(paragraph) ? `- ${text.replace(/\n/g, ' ')}` : asMarkdownLine(text)];
  });
}

function tableLines(table: XmlElement): string[] {
  return elementsNamed(table, 'tr')
    .map((row) => elementsNamed(row, 'tc').map((cell) => elementsNamed(cell, 'p').map(paragraphText).filter(Boolean).join(' ')))
    .filter((cells) => cells.some(Boolean))
    .map((cells) => asMarkdownLine(cells.join(' | ')));
}

function placeholderType(shape: XmlElement): string | undefined {
  const placeholder = elementsNamed(shape, 'ph')[0];
  return placeholder ? (placeholder.getAttribute('type') ?? 'body') : undefined;
}

interface SlideText {
  title: string | undefined;
  lines: string[];
}

/** Shapes in drawing order (groups flattened): the title placeholder apart, every other text in order. */
function readShapes(container: XmlElement, slide: SlideText): void {
  for (const shape of childElements(container)) {
    if (shape.localName === 'grpSp') {
      readShapes(shape, slide);
    } else if (shape.localName === 'sp') {
      const body = childElements(shape).find((child) => child.localName === 'txBody');
      if (!body) continue;
      const lines = textBodyLines(body);
      if (slide.title === undefined && titlePlaceholders.has(placeholderType(shape) ?? '') && lines.length > 0) {
        slide.title = lines.join(' ').replace(/^- /, '');
      } else {
        slide.lines.push(...lines);
      }
    } else if (shape.localName === 'graphicFrame') {
      for (const table of elementsNamed(shape, 'tbl')) slide.lines.push(...tableLines(table));
    }
  }
}

function notesLines(archive: OfficeArchive, slidePart: string): string[] {
  const notesPart = [...relationshipsOf(archive, slidePart).values()].find((relationship) => relationship.type.endsWith('/notesSlide'))?.target;
  const notes = notesPart ? archive.readXml(notesPart) : undefined;
  if (!notes) return [];
  // The notes page also holds a picture of the slide and its number: only the body placeholder is the notes' text.
  return elementsNamed(notes, 'sp')
    .filter((shape) => placeholderType(shape) === 'body')
    .flatMap((shape) => elementsNamed(shape, 'txBody').flatMap(textBodyLines));
}

function readSlide(archive: OfficeArchive, part: string): SlideText {
  const slide: SlideText = { title: undefined, lines: [] };
  const tree = elementsNamed(archive.requireXml(part), 'spTree')[0];
  if (tree) readShapes(tree, slide);
  // Without a title placeholder (decks made by scripts), a short first line names the slide.
  if (slide.title === undefined && slide.lines[0] && slide.lines[0].length <= 120 && !slide.lines[0].startsWith('- ')) {
    slide.title = slide.lines.shift();
  }
  const notes = notesLines(archive, part);
  if (notes.length > 0) slide.lines.push('', `Speaker notes: ${notes.join(' ')}`);
  return slide;
}

export function loadPptx(source: string, content: string | Uint8Array): LoadedDocument {
  const archive = openOfficeArchive(source, format, requireBytes(source, format, content));
  const slides = slideParts(archive).map((part) => readSlide(archive, part));
  const sections = slides.flatMap((slide, index) => {
    if (!slide.title && slide.lines.length === 0) return [];
    const heading = `# Slide ${index + 1}${slide.title ? `: ${slide.title.replace(/\s+/g, ' ')}` : ''}`;
    return [[heading, '', ...slide.lines].join('\n').trim()];
  });
  const title = documentTitle(archive, 'docProps/core.xml') ?? slides.find((slide) => slide.title)?.title ?? titleFromSource(source);
  return { title, text: sections.join('\n\n'), structure: 'markdown' };
}
