// Splits a loaded document into chunks that respect its structure: Markdown is cut at its headings
// first (each chunk keeps the path of headings above it), then a section that is still too long is
// split by LangChain's recursive splitter at paragraphs, lines, then words. Sizes are in tokens.
import type { RecursiveCharacterTextSplitter } from '@langchain/textsplitters';
import { z } from 'zod';
import { parseInput } from '../tenancy/validation.ts';
import type { LoadedDocument } from './loaders/loaded-document.ts';
import type { TokenCounter } from './tokens.ts';

export interface Chunk {
  /** 0, 1, 2… in document order. */
  position: number;
  content: string;
  /** The headings this chunk sits under, outermost first (empty for plain text). */
  headingPath: string[];
  tokenCount: number;
}

export const defaultChunkSize = 512;
export const defaultChunkOverlap = 64;

export const chunkingOptionsSchema = z
  .strictObject({
    chunkSize: z.number().int().min(32).max(8000).default(defaultChunkSize),
    chunkOverlap: z.number().int().min(0).default(defaultChunkOverlap),
  })
  .refine((options) => options.chunkOverlap <= options.chunkSize / 2, {
    message: 'chunkOverlap must be at most half of chunkSize',
    path: ['chunkOverlap'],
  });

export type ChunkingOptions = z.output<typeof chunkingOptionsSchema>;

/** Validates chunking options (a validation_error names the bad one) and fills in the defaults. */
export function parseChunkingOptions(input: { chunkSize?: number | undefined; chunkOverlap?: number | undefined } = {}): ChunkingOptions {
  const defined = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
  return parseInput(chunkingOptionsSchema, defined);
}

interface Section {
  headingPath: string[];
  text: string;
}

const headingPattern = /^(#{1,6})\s+(.+?)\s*#*\s*$/;
const fencePattern = /^\s*(```|~~~)/;

/** Cuts Markdown at its ATX headings (# …), ignoring lines inside fenced code blocks. */
export function splitMarkdownSections(text: string): Section[] {
  const sections: Section[] = [];
  const stack: { level: number; title: string }[] = [];
  let lines: string[] = [];
  let path: string[] = [];
  let insideFence = false;
  const flush = () => {
    const body = lines.join('\n').trim();
    // A heading with nothing under it still names the sections below it, through their paths.
    const onlyHeading = lines.length > 0 && headingPattern.test(lines[0]!) && lines.slice(1).every((line) => !line.trim());
    if (body && !onlyHeading) sections.push({ headingPath: path, text: body });
    lines = [];
  };
  for (const line of text.split('\n')) {
    if (fencePattern.test(line)) insideFence = !insideFence;
    const heading = insideFence ? null : headingPattern.exec(line);
    if (heading) {
      flush();
      const level = heading[1]!.length;
      while (stack.length > 0 && stack.at(-1)!.level >= level) stack.pop();
      stack.push({ level, title: heading[2]! });
      path = stack.map((entry) => entry.title);
    }
    lines.push(line);
  }
  flush();
  return sections;
}

/**
 * Cuts text that has no separator left (one long run without spaces: a base64 blob, CJK text, an
 * attacker's 10 MB "word") into pieces of at most `chunkSize` tokens overlapping by about
 * `chunkOverlap`, along the tokenizer's own boundaries, in time linear in the text.
 */
export function splitByTokens(text: string, options: ChunkingOptions, tokens: TokenCounter): string[] {
  const texts: string[] = [];
  const counts: number[] = [];
  for (const piece of tokens.pieces(text)) {
    texts.push(piece.text);
    counts.push(piece.tokens);
  }
  const chunks: string[] = [];
  let start = 0;
  let total = 0;
  for (let end = 0; end < texts.length; end += 1) {
    if (total + counts[end]! > options.chunkSize && end > start) {
      chunks.push(texts.slice(start, end).join(''));
      while (start < end && (total > options.chunkOverlap || total + counts[end]! > options.chunkSize)) {
        total -= counts[start]!;
        start += 1;
      }
    }
    total += counts[end]!;
  }
  if (start < texts.length) chunks.push(texts.slice(start).join(''));
  return chunks;
}

export async function chunkDocument(
  document: Pick<LoadedDocument, 'text' | 'structure'>,
  options: ChunkingOptions,
  tokens: TokenCounter,
): Promise<Chunk[]> {
  const sections = document.structure === 'markdown' ? splitMarkdownSections(document.text) : [{ headingPath: [], text: document.text }];
  // LangChain's splitter is loaded only when a section is too long to be one chunk (it costs start-up time).
  let splitterClass: Promise<typeof RecursiveCharacterTextSplitter> | undefined;
  const createSplitter = async (chunkSize: number) => {
    splitterClass ??= import('@langchain/textsplitters').then((module) => module.RecursiveCharacterTextSplitter);
    const Splitter = await splitterClass;
    // Without the last resort "" (one character per split, then a token count per character):
    // a piece with no separator left comes back whole and splitByTokens cuts it, in linear time.
    const separators = (document.structure === 'markdown' ? Splitter.getSeparatorsForLanguage('markdown') : ['\n\n', '\n', ' ']).filter(
      (separator) => separator !== '',
    );
    return new Splitter({
      chunkSize,
      chunkOverlap: Math.min(options.chunkOverlap, Math.floor(chunkSize / 2)),
      lengthFunction: (text: string) => tokens.count(text),
      separators,
    });
  };
  // The splitter adds up the token counts of the pieces it joins, which can undercount by a token
  // or two (BPE merges across the joins): re-split the rare piece that ends up over the budget.
  const fitToBudget = async (piece: string): Promise<string[]> => {
    if (tokens.count(piece) <= options.chunkSize) return [piece];
    const smaller = await (await createSplitter(Math.floor(options.chunkSize * 0.8))).splitText(piece);
    if (smaller.length > 1) return (await Promise.all(smaller.map(fitToBudget))).flat();
    return splitByTokens(piece, options, tokens);
  };
  const chunks: Chunk[] = [];
  for (const section of sections) {
    const text = section.text.trim();
    const sectionTokens = tokens.count(text);
    if (sectionTokens <= options.chunkSize) {
      if (text) chunks.push({ position: chunks.length, content: text, headingPath: section.headingPath, tokenCount: sectionTokens });
      continue;
    }
    const pieces = (await Promise.all((await (await createSplitter(options.chunkSize)).splitText(text)).map(fitToBudget))).flat();
    for (const piece of pieces) {
      const content = piece.trim();
      if (!content) continue;
      chunks.push({ position: chunks.length, content, headingPath: section.headingPath, tokenCount: tokens.count(content) });
    }
  }
  return chunks;
}
