// Reading usage back: a workspace's or an organization's usage over a time range, grouped by day,
// end customer, agent, API key, model or workspace (and always by kind), and an organization's
// monthly invoice (line items per model and kind). Sums and costs are added up by PostgreSQL in
// exact decimal, totals included, so a report's lines add up to its total to the last digit.
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import type { Database, Queryable } from '../db/database.ts';
import { withControlPlane, withWorkspace } from '../db/workspace-scope.ts';
import { validationError } from '../errors.ts';
import { findOrganization } from './organizations.ts';
import type { WorkspaceContext } from './workspace-context.ts';
import type { UsageKind } from './usage.ts';

/** SQL expression per grouping: fixed text, never input. */
const groupExpressions = {
  day: `to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
  customer: 'e.customer_id',
  agent: 'e.agent_id::text',
  apiKey: 'e.api_key_id::text',
  model: 'e.model',
  workspace: 'e.workspace_id::text',
} as const;
export type UsageGrouping = keyof typeof groupExpressions;
export const workspaceGroupings = ['day', 'customer', 'agent', 'apiKey', 'model'] as const satisfies readonly UsageGrouping[];
export const organizationGroupings = [...workspaceGroupings, 'workspace'] as const satisfies readonly UsageGrouping[];

/** A time bound: an ISO 8601 date (midnight UTC) or date-time. */
const instantSchema = z.union([z.iso.date(), z.iso.datetime({ offset: true })]).transform((value) => new Date(value.length === 10 ? `${value}T00:00:00Z` : value));

export function usageRangeSchema<Groupings extends readonly [UsageGrouping, ...UsageGrouping[]]>(groupings: Groupings) {
  return z.object({
    from: instantSchema.optional().describe('Start, inclusive (ISO 8601 date or date-time; default: the start of this month, UTC)'),
    to: instantSchema.optional().describe('End, exclusive (default: the start of next month, UTC)'),
    groupBy: z.enum(groupings).optional().describe('Group rows by this as well as by kind'),
  });
}

export interface UsageRangeInput {
  from?: Date | undefined;
  to?: Date | undefined;
  groupBy?: UsageGrouping | undefined;
}

export interface UsageTotals {
  events: number;
  inputTokens: number;
  outputTokens: number;
  embeddingTokens: number;
  documents: number;
  chunks: number;
  bytes: number;
  costUsd: number;
}

export interface UsageReportRow extends UsageTotals {
  /** The value of `groupBy` (a day, customer id, agent id, key id, model or workspace id); null when absent or ungrouped. */
  group: string | null;
  kind: UsageKind;
}

export interface UsageReport {
  from: string;
  to: string;
  groupBy: UsageGrouping | null;
  rows: UsageReportRow[];
  totals: UsageTotals;
}

/** The range a report covers (default: this UTC month, all of it so far), checked. */
function resolveRange(input: UsageRangeInput, now: Date): { from: Date; to: Date } {
  const from = input.from ?? new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const to = input.to ?? new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  if (from.getTime() >= to.getTime()) {
    throw validationError('"from" must be before "to"', [{ path: 'querystring.from', message: 'must be before to' }]);
  }
  return { from, to };
}

const sums = `sum(e.units)::bigint AS events, sum(e.input_tokens)::bigint AS "inputTokens", sum(e.output_tokens)::bigint AS "outputTokens",
  sum(e.embedding_tokens)::bigint AS "embeddingTokens", sum(e.documents)::bigint AS documents, sum(e.chunks)::bigint AS chunks,
  sum(e.bytes)::bigint AS bytes, sum(e.cost_usd)::text AS "costUsd"`;

type SummedRow = Record<keyof UsageTotals, unknown>;

function toTotals(row: SummedRow | undefined): UsageTotals {
  const number = (value: unknown) => (value === null || value === undefined ? 0 : Number(value));
  return {
    events: number(row?.events),
    inputTokens: number(row?.inputTokens),
    outputTokens: number(row?.outputTokens),
    embeddingTokens: number(row?.embeddingTokens),
    documents: number(row?.documents),
    chunks: number(row?.chunks),
    bytes: number(row?.bytes),
    costUsd: number(row?.costUsd),
  };
}

/**
 * Rows per (group, kind) and the grand total, in one statement (GROUPING SETS). `scope` is the
 * WHERE clause selecting the workspaces, with $1 its parameter; $2 and $3 are the range.
 */
async function summarize(transaction: Queryable, scope: string, scopeParameter: string, range: { from: Date; to: Date }, groupBy: UsageGrouping | null): Promise<{ rows: UsageReportRow[]; totals: UsageTotals }> {
  const group = groupBy ? groupExpressions[groupBy] : 'NULL::text';
  const { rows } = await transaction.query<SummedRow & { group: string | null; kind: UsageKind | null; isTotal: boolean }>(
    `SELECT ${group} AS "group", e.kind, grouping(e.kind) = 1 AS "isTotal", ${sums}
     FROM usage_events e
     WHERE ${scope} AND e.created_at >= $2 AND e.created_at < $3
     GROUP BY GROUPING SETS ((${group}, e.kind), ())
     ORDER BY grouping(e.kind), 1 NULLS FIRST, 2`,
    [scopeParameter, range.from, range.to],
  );
  const total = rows.find((row) => row.isTotal);
  return {
    rows: rows.filter((row) => !row.isTotal).map((row) => ({ group: row.group, kind: row.kind!, ...toTotals(row) })),
    totals: toTotals(total),
  };
}

export function getWorkspaceUsage(database: Database, context: WorkspaceContext, input: UsageRangeInput, now = new Date()): Promise<UsageReport> {
  const range = resolveRange(input, now);
  const groupBy = input.groupBy ?? null;
  if (groupBy === 'workspace') throw validationError('groupBy=workspace applies to organization usage');
  return withWorkspace(database, context, async (transaction) => ({
    from: range.from.toISOString(),
    to: range.to.toISOString(),
    groupBy,
    ...(await summarize(transaction, 'e.workspace_id = $1', context.workspaceId, range, groupBy)),
  }));
}

/** Usage across every workspace of an organization (control plane: it reads many workspaces). */
export function getOrganizationUsage(database: Database, organizationReference: string, input: UsageRangeInput, now = new Date()): Promise<UsageReport & { organizationId: string }> {
  const range = resolveRange(input, now);
  const groupBy = input.groupBy ?? null;
  return withControlPlane(database, async (transaction) => {
    const organization = await findOrganization(transaction, organizationReference);
    return {
      organizationId: organization.id,
      from: range.from.toISOString(),
      to: range.to.toISOString(),
      groupBy,
      ...(await summarize(transaction, 'e.workspace_id IN (SELECT id FROM workspaces WHERE organization_id = $1)', organization.id, range, groupBy)),
    };
  });
}

export const invoiceMonthSchema = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month as YYYY-MM')
  .describe('The month billed, YYYY-MM (UTC)');

export interface InvoiceLineItem extends UsageTotals {
  model: string | null;
  kind: UsageKind;
}

export interface Invoice {
  organizationId: string;
  month: string;
  from: string;
  to: string;
  currency: 'USD';
  lineItems: InvoiceLineItem[];
  totals: UsageTotals;
}

/** An organization's month: one line per (model, kind), costs as charged when each event happened. */
export function getInvoice(database: Database, organizationReference: string, month: string): Promise<Invoice> {
  const [year, monthNumber] = month.split('-').map(Number) as [number, number];
  const range = { from: new Date(Date.UTC(year, monthNumber - 1, 1)), to: new Date(Date.UTC(year, monthNumber, 1)) };
  return withControlPlane(database, async (transaction) => {
    const organization = await findOrganization(transaction, organizationReference);
    const report = await summarize(transaction, 'e.workspace_id IN (SELECT id FROM workspaces WHERE organization_id = $1)', organization.id, range, 'model');
    return {
      organizationId: organization.id,
      month,
      from: range.from.toISOString(),
      to: range.to.toISOString(),
      currency: 'USD',
      lineItems: report.rows.map(({ group, ...item }) => ({ model: group, ...item })),
      totals: report.totals,
    };
  });
}

const totalsColumns = ['events', 'inputTokens', 'outputTokens', 'embeddingTokens', 'documents', 'chunks', 'bytes', 'costUsd'] as const;

function toCsv(columns: readonly string[], rows: ReadonlyArray<Record<string, unknown>>): string {
  return stringify(
    rows.map((row) => columns.map((column) => row[column] ?? '')),
    { header: true, columns: [...columns] },
  );
}

/** A report's rows as CSV (RFC 4180): the group column named after groupBy, then kind and the sums; no totals line. */
export function usageReportCsv(report: Pick<UsageReport, 'groupBy' | 'rows'>): string {
  const groupColumn = report.groupBy ? [report.groupBy] : [];
  return toCsv(
    [...groupColumn, 'kind', ...totalsColumns],
    report.rows.map(({ group, ...row }) => (report.groupBy ? { [report.groupBy]: group, ...row } : row)),
  );
}

/** An invoice's line items as CSV. */
export function invoiceCsv(invoice: Pick<Invoice, 'lineItems'>): string {
  return toCsv(['model', 'kind', ...totalsColumns], invoice.lineItems as unknown as Array<Record<string, unknown>>);
}
