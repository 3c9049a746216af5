// Plain text: paragraphs only; the title is the file name.
import { normalizeText } from './text-decoding.ts';
import { titleFromSource, type LoadedDocument } from './loaded-document.ts';

export function loadPlainText(source: string, text: string): LoadedDocument {
  return { title: titleFromSource(source), text: normalizeText(text), structure: 'plain' };
}
