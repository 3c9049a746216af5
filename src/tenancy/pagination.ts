// Keyset pagination for the tenancy lists: ordered by (created_at, id), an opaque cursor that
// names the last row seen. The cursor carries created_at as text with microseconds, because a
// JavaScript Date keeps only milliseconds and would repeat or skip rows created in the same ms.
import { validationError } from '../errors.ts';
import { isUuid } from '../db/workspace-scope.ts';

export const maximumPageSize = 100;
export const defaultPageSize = 20;

export interface PageRequest {
  /** 1 to maximumPageSize. */
  limit: number;
  /** The nextCursor of the previous page; absent for the first page. */
  cursor?: string | undefined;
}

export interface Page<Item> {
  items: Item[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

interface CursorPosition {
  createdAt: string;
  id: string;
}

/** The select-list expression that yields a row's cursor time (UTC, microseconds). */
export function cursorTimeColumn(alias: string): string {
  const column = alias ? `${alias}.created_at` : 'created_at';
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "cursorTime"`;
}

const cursorTimePattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** A time the pattern allows but the calendar does not (February 30th, hour 25, year 0) would fail in SQL (22008). */
function isRealTime(cursorTime: string): boolean {
  if (cursorTime.startsWith('0000')) return false;
  const milliseconds = Date.parse(cursorTime.slice(0, 23) + 'Z');
  return Number.isFinite(milliseconds) && new Date(milliseconds).toISOString().slice(0, 19) === cursorTime.slice(0, 19);
}

export function decodeCursor(cursor: string | undefined): CursorPosition | null {
  if (cursor === undefined || cursor === '') return null;
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(decoded) && decoded.length === 2) {
      const [createdAt, id] = decoded as unknown[];
      if (typeof createdAt === 'string' && cursorTimePattern.test(createdAt) && isRealTime(createdAt) && typeof id === 'string' && isUuid(id)) {
        return { createdAt, id };
      }
    }
  } catch {
    // Falls through to the validation error below.
  }
  throw validationError('Invalid cursor: pass back the nextCursor of a previous page unchanged', [
    { path: 'cursor', message: 'not a cursor issued by this list' },
  ]);
}

function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.id])).toString('base64url');
}

/**
 * Builds the keyset condition and limit for a page. `firstParameter` is the number of the next
 * free $n placeholder; returns the SQL fragments and the parameters to append.
 */
export function pageClauses(
  alias: string,
  page: PageRequest,
  firstParameter: number,
): { where: string; orderAndLimit: string; parameters: unknown[] } {
  const prefix = alias ? `${alias}.` : '';
  const limit = Math.min(Math.max(Math.trunc(page.limit), 1), maximumPageSize);
  const position = decodeCursor(page.cursor);
  const orderAndLimit = `ORDER BY ${prefix}created_at, ${prefix}id LIMIT ${limit + 1}`;
  if (!position) return { where: 'true', orderAndLimit, parameters: [] };
  return {
    where: `(${prefix}created_at, ${prefix}id) > ($${firstParameter}::timestamptz, $${firstParameter + 1}::uuid)`,
    orderAndLimit,
    parameters: [position.createdAt, position.id],
  };
}

/** Turns the limit + 1 rows a page query fetched into a page (the extra row only says "there is more"). */
export function toPage<Row extends { id: string; cursorTime: string }>(rows: Row[], page: PageRequest): Page<Omit<Row, 'cursorTime'>> {
  const limit = Math.min(Math.max(Math.trunc(page.limit), 1), maximumPageSize);
  const visible = rows.slice(0, limit);
  const last = visible.at(-1);
  const nextCursor = rows.length > limit && last ? encodeCursor({ createdAt: last.cursorTime, id: last.id }) : null;
  return {
    items: visible.map(({ cursorTime: _cursorTime, ...item }) => item),
    nextCursor,
  };
}
