// Argument schemas shared by the search tools. Plain z.object: keys a model invents (a workspace
// id, say) are stripped before the tool runs; the workspace only ever comes from the config.
import { z } from 'zod';

/** The longest query a search tool takes; a model writes short queries, longer ones are noise. */
export const maximumToolQueryLength = 2_000;

export const searchToolInput = z.object({
  query: z.string().min(1).max(maximumToolQueryLength).describe('What to look for, in natural language or keywords'),
  limit: z.number().int().min(1).max(20).optional().describe('How many passages to return (default 6)'),
  document_ids: z.array(z.string().uuid()).max(50).optional().describe('Only search these documents'),
});

export type SearchToolInput = z.infer<typeof searchToolInput>;

export const defaultToolResultLimit = 6;
