// Schemas shared by every route: the one error shape, ids in paths, cursor pagination.
import { z } from 'zod';
import { defaultPageSize, maximumPageSize } from '../../tenancy/pagination.ts';

export const errorResponseSchema = z
  .object({
    error: z.object({
      code: z.string().describe('Machine-readable error code, e.g. workspace_mismatch'),
      message: z.string().describe('What went wrong, for people'),
      details: z.unknown().optional().describe('Structured context: validation issues, limits, the request id of a 500'),
    }),
  })
  .meta({ id: 'Error' });

export type ErrorResponse = z.infer<typeof errorResponseSchema>;

export const idParamsSchema = z.object({ id: z.uuid().describe('Resource id') });

export const pageQuerySchema = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(maximumPageSize)
    .default(defaultPageSize)
    .describe(`Items per page, 1-${maximumPageSize}`),
  cursor: z.string().max(1000).optional().describe('nextCursor of the previous page'),
});

/** A page of `item`: the items and the cursor of the next page (null on the last page). */
export function pageSchema<Item extends z.ZodType>(item: Item) {
  return z.object({
    items: z.array(item),
    nextCursor: z.string().nullable().describe('Pass as `cursor` to get the next page; null on the last page'),
  });
}

/** Response for a 204: no body. */
export const noContentSchema = z.undefined().describe('No content');
