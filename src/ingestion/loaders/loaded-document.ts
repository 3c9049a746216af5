// What every loader returns: a title and text whose structure the chunker understands.

export interface LoadedDocument {
  title: string;
  /** Markdown keeps its headings (HTML headings are rewritten as Markdown ones); other formats are plain text. */
  text: string;
  /** 'markdown' text is split at its headings, 'plain' text at paragraphs. */
  structure: 'markdown' | 'plain';
}

/** "guides/password-reset.md" → "password-reset". */
export function titleFromSource(source: string): string {
  const name = source.split(/[\\/]/).pop() ?? source;
  const withoutExtension = name.replace(/\.[^.]+$/, '');
  return withoutExtension || name || source;
}
