// Input parsing shared by the tenancy services: zod errors become one validation_error.
import { z } from 'zod';
import { validationError } from '../errors.ts';
import { findIllFormedInput } from '../well-formed-text.ts';

export const slugSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'use 1-63 lowercase letters, digits and hyphens, starting with a letter or digit');
export const nameSchema = z.string().trim().min(1).max(200);
/** Where the operator reaches an organization's people (billing, suspension notices). */
export const contactEmailSchema = z.email().max(320);

/**
 * A free-form JSON object (document metadata, workspace settings) of at most `maximumBytes` bytes of
 * UTF-8 JSON, following the text rule and nesting limit of well-formed-text.ts at any depth.
 */
export function jsonObjectSchema(maximumBytes: number) {
  return z.record(z.string(), z.unknown()).superRefine((value, context) => {
    const problem = findIllFormedInput(value, '');
    if (problem) {
      context.addIssue({ code: 'custom', message: `${problem.path.slice(1) || 'value'}: ${problem.message}` });
      return;
    }
    if (Buffer.byteLength(JSON.stringify(value)) > maximumBytes) {
      context.addIssue({ code: 'custom', message: `must be at most ${maximumBytes} bytes as UTF-8 JSON` });
    }
  });
}

/** When a key stops working: an ISO 8601 date or date-time (or a Date), in the future. */
export const futureExpirySchema = z
  .union([z.iso.datetime({ offset: true }), z.iso.date(), z.date()])
  .transform((value) => (value instanceof Date ? value : new Date(value)))
  .refine((date) => date.getTime() > Date.now(), 'must be in the future')
  .describe('ISO 8601 date or date-time after which the key stops working');

export function parseInput<Schema extends z.ZodType>(schema: Schema, input: unknown): z.infer<Schema> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
  const summary = details.map((detail) => (detail.path ? `${detail.path}: ${detail.message}` : detail.message)).join('; ');
  throw validationError(`Invalid input: ${summary}`, details);
}

/** Turns a display name into a slug candidate ("Acme Support" → "acme-support"). */
export function slugify(text: string): string {
  const slug = text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);
  return slug || 'workspace';
}
