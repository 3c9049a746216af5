// Sentences and part-of-speech tagged tokens from compromise, in a shape the extractor can walk.
import nlp from 'compromise';

export interface Token {
  index: number;
  text: string;
  normal: string;
  /** Lemma (compromise's root): "acquired" → "acquire", "systems" → "system". */
  root: string;
  tags: ReadonlySet<string>;
  /** Punctuation and spaces after the token (", ", ". "). */
  post: string;
  /** Character offset within the sentence text. */
  offset: number;
}

export interface Sentence {
  text: string;
  tokens: Token[];
}

interface CompromiseTerm {
  text: string;
  normal?: string;
  root?: string | null;
  tags?: string[];
  post?: string;
  offset?: { start: number };
}

interface CompromiseSentence {
  text: string;
  offset?: { start: number };
  terms: CompromiseTerm[];
}

/**
 * Markdown headings and list items become sentences of their own (compromise would run them into
 * the next line), blank lines end paragraphs.
 */
export function prepareProse(content: string): string {
  return content
    .split(/\r?\n/)
    .map((line) => {
      const block = /^\s*(?:#{1,6}\s+|[-*+]\s+|\d+[.)]\s+|>\s*)(.*)$/.exec(line);
      const text = (block ? block[1]! : line).trim();
      if (!text) return '';
      return block && !/[.!?:]$/.test(text) ? `${text}.` : text;
    })
    .join('\n')
    .replace(/\n{2,}/g, '\n\n');
}

export function analyzeSentences(content: string): Sentence[] {
  const document = nlp(prepareProse(content));
  document.compute('root');
  const sentences = document.json({ offset: true, terms: { offset: true } }) as CompromiseSentence[];
  return sentences
    .map((sentence) => {
      const sentenceStart = sentence.offset?.start ?? 0;
      const tokens = sentence.terms
        .filter((term) => term.text.trim().length > 0)
        .map((term, index): Token => {
          const normal = term.normal ?? term.text.toLowerCase();
          return {
            index,
            text: term.text,
            normal,
            root: term.root ?? normal,
            tags: new Set(term.tags ?? []),
            post: term.post ?? ' ',
            offset: (term.offset?.start ?? sentenceStart) - sentenceStart,
          };
        });
      return { text: sentence.text.trim(), tokens };
    })
    .filter((sentence) => sentence.tokens.length > 0);
}

export function isCapitalized(token: Token): boolean {
  return /^\p{Lu}/u.test(token.text);
}

/** True when the token is followed by punctuation that ends a name or phrase (comma, period, colon…). */
export function endsPhrase(token: Token): boolean {
  return /[,.;:!?()"“”]/.test(token.post);
}

export function hasAnyTag(token: Token, ...tags: string[]): boolean {
  return tags.some((tag) => token.tags.has(tag));
}
