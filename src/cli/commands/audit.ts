// ragspace audit: an organization's audit trail (or the whole deployment's), oldest first.
import type { Command } from 'commander';
import { auditActions, auditQuerySchema, listAuditEventsPage } from '../../tenancy/audit.ts';
import { parseInput } from '../../tenancy/validation.ts';
import { formatTable, printResult } from '../output.ts';
import { runWithRuntime } from '../run-command.ts';
import { z } from 'zod';

const optionsSchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(100),
  cursor: z.string().optional(),
});

export function registerAuditCommand(program: Command): void {
  program
    .command('audit')
    .description('show the audit trail: keys created and revoked, failed authentications, plan, status and limit changes, deletions, sign-ups')
    .option('--org <id|slug>', "one organization's events (default: every event)")
    .option('--action <action>', `only this action: ${auditActions.join(', ')}`)
    .option('--from <date>', 'events at or after this ISO 8601 time')
    .option('--to <date>', 'events before this ISO 8601 time')
    .option('--limit <n>', 'events per page (1-100)', '100')
    .option('--cursor <cursor>', 'the next page, as printed after the previous one')
    .option('--json', 'print JSON')
    .action(
      runWithRuntime<{ org?: string; action?: string; from?: string; to?: string; limit: string; cursor?: string; json?: boolean }, []>(
        async (runtime, options) => {
          const page = parseInput(optionsSchema, { limit: options.limit, cursor: options.cursor });
          const query = parseInput(auditQuerySchema, { action: options.action, from: options.from, to: options.to });
          const events = await listAuditEventsPage(runtime.database, options.org ?? null, query, page);
          printResult(options, events, () =>
            [
              formatTable(
                ['TIME', 'ACTION', 'OUTCOME', 'PRINCIPAL', 'ADDRESS', 'TARGET'],
                events.items.map((event) => [
                  event.createdAt.toISOString(),
                  event.action,
                  event.outcome,
                  [event.principalKind, event.principalId].filter(Boolean).join(':'),
                  event.clientAddress ?? '',
                  event.targetId ? `${event.targetType}:${event.targetId}` : '',
                ]),
              ),
              ...(events.nextCursor ? [`more: --cursor ${events.nextCursor}`] : []),
            ].join('\n'),
          );
        },
      ),
    );
}
