// HTML with html-to-text: headings become Markdown headings so the chunker keeps the document's
// structure; scripts, styles, navigation chrome, images and link targets are dropped.
import { htmlToText, type FormatCallback, type HtmlToTextOptions } from 'html-to-text';
import { assertHtmlNesting } from './html-nesting.ts';
import { normalizeText } from './text-decoding.ts';
import { titleFromSource, type LoadedDocument } from './loaded-document.ts';

function markdownHeading(level: number): FormatCallback {
  return (element, walk, builder) => {
    builder.openBlock({ leadingLineBreaks: 2 });
    builder.addLiteral(`${'#'.repeat(level)} `);
    walk(element.children, builder);
    builder.closeBlock({ trailingLineBreaks: 2 });
  };
}

const levels = [1, 2, 3, 4, 5, 6] as const;

const bodyOptions: HtmlToTextOptions = {
  wordwrap: false,
  formatters: Object.fromEntries(levels.map((level) => [`markdownHeading${level}`, markdownHeading(level)])),
  selectors: [
    ...levels.map((level) => ({ selector: `h${level}`, format: `markdownHeading${level}` })),
    { selector: 'a', options: { ignoreHref: true } },
    { selector: 'img', format: 'skip' },
    { selector: 'nav', format: 'skip' },
    { selector: 'script', format: 'skip' },
    { selector: 'style', format: 'skip' },
    { selector: 'table', format: 'dataTable' },
  ],
};

const titleOptions: HtmlToTextOptions = {
  wordwrap: false,
  baseElements: { selectors: ['title'], returnDomByDefault: false },
};

export function loadHtml(source: string, html: string): LoadedDocument {
  assertHtmlNesting(source, html);
  const text = normalizeText(htmlToText(html, bodyOptions));
  const title = normalizeText(htmlToText(html, titleOptions)).replace(/\s+/g, ' ');
  const firstHeading = /^#\s+(.+)$/m.exec(text)?.[1];
  return { title: title || firstHeading || titleFromSource(source), text, structure: 'markdown' };
}
