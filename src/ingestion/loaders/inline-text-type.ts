// The type of inline text (a string sent as a document, e.g. JSON `content`) whose source names
// no known file type: API sources are usually ids or URLs ("kb-123", "https://example.com/faq").
// Such text is plain text, Markdown when it has Markdown structure, HTML when it is a page.

// Enough of the beginning to judge by; a long document shows its structure early.
const sniffedCharacters = 64 * 1024;

const htmlStart = /^\s*(?:<!doctype\s+html|<html[\s>])/i;
const markdownSignals = [
  /^#{1,6}\s+\S/m, // an ATX heading
  /^(?:```|~~~)/m, // a fenced code block
  /!?\[[^\]\n]+\]\([^)\s]+\)/, // a link or an image
  /^\s*\|?\s*:?-{3,}:?\s*\|/m, // a table's delimiter row
];
const listItem = /^\s*(?:[-*+]|\d+[.)])\s+\S/gm;

/** Which text loader reads it (a key of content-types.ts's contentTypes). */
export function inlineTextKind(text: string): 'html' | 'markdown' | 'plainText' {
  const start = text.slice(0, sniffedCharacters);
  if (htmlStart.test(start)) return 'html';
  if (markdownSignals.some((signal) => signal.test(start))) return 'markdown';
  // One dash-led line is a sentence; a list needs two items.
  if ((start.match(listItem)?.length ?? 0) >= 2) return 'markdown';
  return 'plainText';
}
