// Structure-aware chunking: Markdown headings become heading paths, long sections are split within
// the token budget with overlap, and code fences are not mistaken for headings.
import { describe, expect, it } from 'vitest';
import { countTokens } from 'gpt-tokenizer/encoding/cl100k_base';
import { chunkDocument, parseChunkingOptions, splitByTokens, splitMarkdownSections } from '../../src/ingestion/chunker.ts';
import { createTokenCounter, maximumPieceLength } from '../../src/ingestion/tokens.ts';

const tokens = createTokenCounter();

function sentences(count: number, topic: string): string {
  return Array.from({ length: count }, (_, index) => `Sentence ${index + 1} explains ${topic} in some detail for the reader.`).join(' ');
}

describe('chunker', () => {
  it('splits Markdown at headings and keeps the path of headings above each section', () => {
    const sections = splitMarkdownSections(
      ['# Guide', 'Intro text.', '## Install', 'Run the installer.', '### On Linux', 'Use the package.', '## Use', 'Open the app.'].join('\n'),
    );
    expect(sections.map((section) => section.headingPath)).toEqual([
      ['Guide'],
      ['Guide', 'Install'],
      ['Guide', 'Install', 'On Linux'],
      ['Guide', 'Use'],
    ]);
    expect(sections[1]!.text).toBe('## Install\nRun the installer.');
  });

  it('ignores heading-like lines inside fenced code and drops headings with nothing under them', () => {
    const sections = splitMarkdownSections(['# Title', '## Setup', '```sh', '# not a heading', 'make', '```', '## Empty', '## Last', 'Done.'].join('\n'));
    expect(sections.map((section) => section.headingPath)).toEqual([
      ['Title', 'Setup'],
      ['Title', 'Last'],
    ]);
    expect(sections[0]!.text).toContain('# not a heading');
  });

  it('keeps every chunk within the token budget and overlaps neighbouring chunks of a long section', async () => {
    const text = `# Manual\n\n## Long part\n\n${sentences(40, 'synchronisation')}\n\n${sentences(40, 'conflicts')}`;
    const chunks = await chunkDocument({ text, structure: 'markdown' }, parseChunkingOptions({ chunkSize: 100, chunkOverlap: 20 }), tokens);
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks) {
      expect(chunk.tokenCount).toBeLessThanOrEqual(100);
      expect(chunk.tokenCount).toBe(tokens.count(chunk.content));
      expect(chunk.headingPath).toEqual(['Manual', 'Long part']);
    }
    expect(chunks.map((chunk) => chunk.position)).toEqual(chunks.map((_, index) => index));
    // Overlap: the start of each chunk repeats the end of the previous one.
    const overlapping = chunks.slice(1).filter((chunk, index) => chunks[index]!.content.includes(chunk.content.split(' ').slice(0, 4).join(' ')));
    expect(overlapping.length).toBeGreaterThan(0);
  });

  it('splits plain text at paragraphs and keeps short documents whole', async () => {
    const short = await chunkDocument({ text: 'One short paragraph.', structure: 'plain' }, parseChunkingOptions(), tokens);
    expect(short).toEqual([{ position: 0, content: 'One short paragraph.', headingPath: [], tokenCount: tokens.count('One short paragraph.') }]);
    const long = await chunkDocument(
      { text: `${sentences(10, 'leave')}\n\n${sentences(10, 'expenses')}`, structure: 'plain' },
      parseChunkingOptions({ chunkSize: 150, chunkOverlap: 0 }),
      tokens,
    );
    expect(long.length).toBe(2);
    expect(long[0]!.content).toContain('leave');
    expect(long[0]!.content).not.toContain('expenses');
  });

  it('refuses chunking options that make no sense, naming the option', () => {
    expect(() => parseChunkingOptions({ chunkSize: 0 })).toThrow(/chunkSize/);
    expect(() => parseChunkingOptions({ chunkSize: 100, chunkOverlap: 80 })).toThrow(/chunkOverlap must be at most half of chunkSize/);
    expect(parseChunkingOptions({})).toEqual({ chunkSize: 512, chunkOverlap: 64 });
  });

  it('counts ordinary text exactly as cl100k_base does, and a run without breaks by slices of bounded cost', () => {
    const prose = `${sentences(30, 'token counting')}\n\n## Heading\n\n- a list item, with 1234567 digits and <|endoftext|> as text`;
    expect(tokens.count(prose)).toBe(countTokens(prose, { disallowedSpecial: new Set() }));
    const slice = 'abcdefghij'.repeat(maximumPieceLength / 10 + 1).slice(0, maximumPieceLength);
    const word = slice.repeat(20_000); // 1.28 MB, one pre-tokenised piece
    expect(tokens.count(word)).toBe(20_000 * countTokens(slice));
    expect(tokens.pieces(word).every((piece) => piece.text.length <= maximumPieceLength)).toBe(true);
  });

  it('cuts a run without separators into overlapping chunks within the budget', async () => {
    const options = parseChunkingOptions({ chunkSize: 100, chunkOverlap: 10 });
    const word = 'x'.repeat(200_000);
    const pieces = splitByTokens(word, options, tokens);
    expect(pieces.length).toBeGreaterThan(200);
    for (const piece of pieces) expect(tokens.count(piece)).toBeLessThanOrEqual(100);
    const chunks = await chunkDocument({ text: `Before.\n\n${word}\n\nAfter.`, structure: 'markdown' }, options, tokens);
    expect(chunks.every((chunk) => chunk.tokenCount <= 100)).toBe(true);
    expect(chunks.map((chunk) => chunk.content).join('')).toContain('After.');
  });
});
