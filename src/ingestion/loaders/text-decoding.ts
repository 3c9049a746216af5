// Turns document bytes into text, refusing what is not UTF-8 text rather than storing mojibake.
import { unprocessable } from '../../errors.ts';

export function decodeText(source: string, content: string | Uint8Array): string {
  if (typeof content === 'string') return content;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(content);
  } catch {
    throw unprocessable(`"${source}" is not valid UTF-8 text`);
  }
  if (text.includes('\u0000')) throw unprocessable(`"${source}" looks binary (it contains NUL bytes), not text`);
  return text;
}

/** Normalises line endings and trims trailing spaces so equal documents chunk equally. */
export function normalizeText(text: string): string {
  return text
    .replaceAll('\u0000', '')
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
