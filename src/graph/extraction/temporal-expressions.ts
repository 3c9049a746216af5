// Dates stated in a sentence ("in March 2023", "since 2019", "until 2021", "between 2015 and 2018"),
// turned into ISO times at the start of the stated period. Deterministic; no clock involved.

const months = [
  'january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december',
];
const monthPattern = `(?:${months.join('|')}|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\\.?`;
const endMarkers = new Set(['until', 'till', 'through']);
// "to" and "and" end a period only after a start ("from 2010 to 2012", "between 2015 and 2018").
const rangeMarkers = new Set(['to', 'and']);

export interface DateMention {
  /** Character offset within the text it was found in. */
  offset: number;
  iso: string;
  /** "end" for until/till/through and the second half of a range; otherwise "start". */
  role: 'start' | 'end';
}

const datePattern = new RegExp(
  String.raw`\b(?:(until|till|through|since|from|in|on|as of|by|between|and|to|effective|starting)\s+)?` +
    String.raw`(?:(early|mid|late)[\s-]+)?` +
    String.raw`(?:(\d{4})-(\d{2})-(\d{2})|(?:(${monthPattern})\s+(?:(\d{1,2})(?:st|nd|rd|th)?,?\s+)?)?((?:18|19|20|21)\d{2}))\b`,
  'gi',
);

function monthIndex(name: string): number {
  const key = name.toLowerCase().replace('.', '').slice(0, 3);
  return months.findIndex((month) => month.startsWith(key));
}

function isoDate(year: number, month: number, day: number): string | null {
  const date = new Date(Date.UTC(year, month, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month || date.getUTCDate() !== day) return null;
  return date.toISOString();
}

export function findDates(text: string): DateMention[] {
  const found: DateMention[] = [];
  for (const match of text.matchAll(datePattern)) {
    const [, marker, , isoYear, isoMonth, isoDay, monthName, day, year] = match;
    let iso: string | null;
    if (isoYear) iso = isoDate(Number(isoYear), Number(isoMonth) - 1, Number(isoDay));
    else {
      const month = monthName ? monthIndex(monthName) : 0;
      iso = isoDate(Number(year), Math.max(month, 0), day ? Number(day) : 1);
    }
    if (!iso) continue;
    const lowerMarker = marker?.toLowerCase() ?? '';
    const role = endMarkers.has(lowerMarker) || (rangeMarkers.has(lowerMarker) && found.length > 0) ? 'end' : 'start';
    found.push({ offset: match.index ?? 0, iso, role });
  }
  return found;
}

/** Parses a date an LLM wrote ("2023", "2023-03", "2023-03-01", full ISO); null if it is not one. */
export function parseLooseDate(value: string | null | undefined): string | null {
  if (!value) return null;
  const text = value.trim();
  const partial = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$/.exec(text);
  if (partial) return isoDate(Number(partial[1]), partial[2] ? Number(partial[2]) - 1 : 0, partial[3] ? Number(partial[3]) : 1);
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}
