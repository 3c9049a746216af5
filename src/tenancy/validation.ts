// Input parsing shared by the tenancy services: zod errors become one validation_error.
import { z } from 'zod';
import { validationError } from '../errors.ts';

export const slugSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'use 1-63 lowercase letters, digits and hyphens, starting with a letter or digit');
export const nameSchema = z.string().trim().min(1).max(200);
/** Where the operator reaches an organization's people (billing, suspension notices). */
export const contactEmailSchema = z.email().max(320);

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
