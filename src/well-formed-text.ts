// The one rule for text that comes from outside (README "Text and JSON rules"): NUL (U+0000) and
// unpaired surrogates (U+D800-U+DFFF alone) are refused wherever they appear, because PostgreSQL
// can store neither (text refuses NUL with 22021; jsonb refuses both with 22P05/22P02) and
// silently dropping or replacing them would store something the client did not send. JSON values
// nest at most maximumJsonDepth levels, so no recursive walk (zod, JSON.stringify) can overflow.
import { z } from 'zod';

export const maximumJsonDepth = 64;

// A high surrogate not followed by a low one, or a low one not preceded by a high one (UTF-16 code units, no u flag).
const unpairedSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Why a string breaks the rule, or null when it is fine. */
export function textProblem(text: string): string | null {
  if (text.includes('\u0000')) return 'contains a NUL character (U+0000), which text may not contain';
  if (text.search(unpairedSurrogate) !== -1) return 'contains an unpaired surrogate (invalid Unicode), which text may not contain';
  return null;
}

export interface IllFormedInput {
  /** Where, as a dotted path from the root ("body.metadata.note"). */
  path: string;
  message: string;
}

/**
 * Finds the first string, object key or nesting level that breaks the rule in a parsed JSON value
 * (or a record of path or query parameters). Iterative, so any depth is walked safely.
 */
export function findIllFormedInput(value: unknown, root: string, maximumDepth = maximumJsonDepth): IllFormedInput | null {
  const pending: Array<{ value: unknown; path: string; depth: number }> = [{ value, path: root, depth: 0 }];
  while (pending.length > 0) {
    const { value: current, path, depth } = pending.pop()!;
    if (typeof current === 'string') {
      const problem = textProblem(current);
      if (problem) return { path, message: problem };
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (depth >= maximumDepth) return { path, message: `nests deeper than ${maximumDepth} levels` };
    const entries = Array.isArray(current) ? current.map((item, index) => [String(index), item] as const) : Object.entries(current);
    for (const [key, item] of entries) {
      const keyProblem = textProblem(key);
      if (keyProblem) return { path: `${path}.${printableKey(key)}`, message: `the key ${keyProblem}` };
      pending.push({ value: item, path: `${path}.${key}`, depth: depth + 1 });
    }
  }
  return null;
}

// A key that breaks the rule is shown escaped, so the error message itself stays well-formed.
function printableKey(key: string): string {
  return JSON.stringify(key.replace(unpairedSurrogate, '\uFFFD')).slice(1, -1).replaceAll('\\u0000', '\\0');
}

/** A zod string that follows the rule (for inputs that do not pass through the HTTP edge, such as tool arguments). */
export function wellFormedString() {
  return z.string().superRefine((text, context) => {
    const problem = textProblem(text);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  });
}
