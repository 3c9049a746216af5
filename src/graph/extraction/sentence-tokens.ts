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
 * Plain prose for the tagger: markup removed (HTML tags, Markdown emphasis, code, links, tables,
 * menu arrows), headings and list items made sentences of their own (compromise would run them into the
 * next line), blank lines kept as paragraph breaks.
 */
export function prepareProse(content: string): string {
  return content
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/(\*\*|__|`)/g, '')
    .replace(/\s*[→⇒»]\s*/g, ', ')
    .split(/\r?\n/)
    .map((line) => {
      // Table rows hold no sentences the rules can read.
      if (/^\s*\|/.test(line)) return '';
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
      const tokens: Token[] = [];
      for (const term of sentence.terms) {
        const tags = new Set(term.tags ?? []);
        if (term.text.trim().length === 0) {
          // A contraction's silent part ("cannot" → can + not): keep its meaning on the word before.
          const previous = tokens[tokens.length - 1];
          if (previous) for (const tag of tags) (previous.tags as Set<string>).add(tag);
          continue;
        }
        const normal = term.normal || term.text.toLowerCase();
        tokens.push({
          index: tokens.length,
          text: term.text,
          normal,
          root: term.root || normal,
          tags,
          post: term.post ?? ' ',
          offset: (term.offset?.start ?? sentenceStart) - sentenceStart,
        });
      }
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
