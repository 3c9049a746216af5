// Name normalisation for entity resolution and lookup: the same entity written differently
// ("Acme Corp.", "ACME", "the Acme Corporation's") normalises to one key.

const corporateSuffixes = new Set([
  'inc', 'incorporated', 'corp', 'corporation', 'co', 'company', 'ltd', 'limited', 'llc', 'plc', 'gmbh', 'ag', 'sa',
  'bv', 'nv', 'srl', 'spa', 'oy', 'ab', 'as', 'pty', 'llp', 'lp',
]);
const honorifics = new Set(['mr', 'mrs', 'ms', 'miss', 'dr', 'prof', 'professor', 'sir', 'dame', 'mx']);

/** Lower-case, accents stripped, punctuation removed, whitespace collapsed. */
export function normalizeText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{Mn}/gu, '')
    .toLowerCase()
    .replace(/['’]s\b/g, '')
    .replace(/&/g, ' and ')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .replace(/\s+/g, ' ');
}

/** The resolution key of an entity name: normalised text without a leading article, honorific or trailing legal form. */
export function normalizeEntityName(name: string): string {
  const words = normalizeText(name).split(' ').filter(Boolean);
  while (words.length > 1 && (words[0] === 'the' || honorifics.has(words[0]!))) words.shift();
  while (words.length > 1 && corporateSuffixes.has(words[words.length - 1]!)) words.pop();
  return words.join(' ');
}

/** The relation name as stored: lower-case words ("WORKS_FOR" and "works for" are the same relation). */
export function normalizeRelation(relation: string): string {
  return normalizeText(relation.replace(/_/g, ' ')) || 'related to';
}

/** A display name: trimmed, inner whitespace collapsed, trailing punctuation dropped. */
export function cleanDisplayName(name: string): string {
  return name.trim().replace(/\s+/g, ' ').replace(/[\s.,;:!?'"’)]+$/u, '').replace(/^["'‘(]+/u, '');
}
