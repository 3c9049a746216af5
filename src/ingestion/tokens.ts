// Counts tokens the way OpenAI models do (cl100k_base), so chunk sizes mean the same thing for every
// embedder. The encoding ships inside gpt-tokenizer: nothing is downloaded at run time.
//
// Linear whatever the input's shape. Byte-pair encoding is quadratic in the length of one
// pre-tokenised piece (a 10 KB run of letters took 25 s in js-tiktoken, 0.6 s per 20 KB in
// gpt-tokenizer), so a piece longer than `maximumPieceLength` characters is counted as the sum of
// its slices of that length: what one "word" can cost is capped, and ordinary text (whose pieces
// are words, numbers of three digits and short punctuation runs) is counted exactly. Pieces repeat
// a lot in real text, so their counts are cached (bounded).
import { countTokens } from 'gpt-tokenizer/encoding/cl100k_base';
import { CL100K_TOKEN_SPLIT_REGEX } from 'gpt-tokenizer/encodingParams/constants';

export interface TokenCounter {
  count(text: string): number;
  /**
   * Cuts `text` into consecutive pieces of at most `maximumPieceLength` characters along the
   * tokenizer's own boundaries, with each piece's count: what a splitter needs to cut text that
   * has no separator left (a long run without spaces) by tokens in linear time.
   */
  pieces(text: string): Array<{ text: string; tokens: number }>;
}

/** Longest run of characters byte-pair encoded as one piece (longer runs are sliced). */
export const maximumPieceLength = 64;
const pieceCacheLimit = 100_000;
// Splitters count the same paragraph several times (split, merge, overlap): remember whole texts
// too, a bounded number of bounded length (at most 1,024 × 32 K characters).
const textCacheLimit = 1_024;
const longestCachedText = 32_768;
const noSpecialTokens = { disallowedSpecial: new Set<string>() };

/** End of a slice of at most `length` characters from `start`, never between the halves of a surrogate pair. */
function sliceEnd(text: string, start: number, length: number): number {
  const end = Math.min(text.length, start + length);
  if (end < text.length && end > start + 1) {
    const last = text.charCodeAt(end - 1);
    if (last >= 0xd800 && last <= 0xdbff) return end - 1;
  }
  return end;
}

function remember(cache: Map<string, number>, limit: number, key: string, value: number): number {
  if (cache.size >= limit) cache.clear();
  cache.set(key, value);
  return value;
}

/** Builds a counter with its own caches (one per thread). */
export function createTokenCounter(): TokenCounter {
  const pieceCache = new Map<string, number>();
  const textCache = new Map<string, number>();
  // Its own copy of the pre-tokenising pattern: exec() moves lastIndex, and counting is synchronous.
  const pattern = new RegExp(CL100K_TOKEN_SPLIT_REGEX.source, 'gu');

  const countPiece = (piece: string): number =>
    pieceCache.get(piece) ?? remember(pieceCache, pieceCacheLimit, piece, countTokens(piece, noSpecialTokens));

  /** Calls `visit` with each piece of `text` (runs sliced) and its count. */
  const eachPiece = (text: string, visit: (piece: string, tokens: number) => void): void => {
    pattern.lastIndex = 0;
    for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
      const piece = match[0];
      if (piece.length <= maximumPieceLength) {
        visit(piece, countPiece(piece));
        continue;
      }
      for (let start = 0; start < piece.length; ) {
        const end = sliceEnd(piece, start, maximumPieceLength);
        const slice = piece.slice(start, end);
        visit(slice, countPiece(slice));
        start = end;
      }
    }
  };

  const countText = (text: string): number => {
    let total = 0;
    eachPiece(text, (_, tokens) => {
      total += tokens;
    });
    return total;
  };

  return {
    count(text) {
      if (text.length <= maximumPieceLength) return pieceCache.get(text) ?? remember(pieceCache, pieceCacheLimit, text, countText(text));
      if (text.length > longestCachedText) return countText(text);
      return textCache.get(text) ?? remember(textCache, textCacheLimit, text, countText(text));
    },
    pieces(text) {
      const pieces: Array<{ text: string; tokens: number }> = [];
      eachPiece(text, (piece, tokens) => pieces.push({ text: piece, tokens }));
      return pieces;
    },
  };
}
