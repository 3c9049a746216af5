// Markdown: the text is kept as it is (the chunker reads its headings); the title is the first
// level-one heading, else the front matter's title, else the file name.
import { normalizeText } from './text-decoding.ts';
import { titleFromSource, type LoadedDocument } from './loaded-document.ts';

const frontMatterPattern = /^---\n([\s\S]*?)\n---\n?/;

export function loadMarkdown(source: string, text: string): LoadedDocument {
  let body = normalizeText(text);
  let frontMatterTitle: string | undefined;
  const frontMatter = frontMatterPattern.exec(body);
  if (frontMatter) {
    frontMatterTitle = /^title:\s*["']?(.+?)["']?\s*$/m.exec(frontMatter[1]!)?.[1];
    body = body.slice(frontMatter[0].length).trim();
  }
  const firstHeading = /^#\s+(.+?)\s*#*\s*$/m.exec(body)?.[1];
  return { title: firstHeading ?? frontMatterTitle ?? titleFromSource(source), text: body, structure: 'markdown' };
}
