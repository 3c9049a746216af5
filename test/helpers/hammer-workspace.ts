// Concurrent tenant traffic that detects a leaked workspace context.
import type { Database } from '../../src/db/database.ts';
import { withWorkspace } from '../../src/db/workspace-scope.ts';

export interface HammerReport {
  transactions: number;
  settingMismatches: number;
  foreignRows: number;
}

export async function hammerWorkspace(database: Database, workspaceId: string, rounds: number, parallel = 3): Promise<HammerReport> {
  const report: HammerReport = { transactions: 0, settingMismatches: 0, foreignRows: 0 };
  const padding = 'x'.repeat(20_000);
  await Promise.all(
    Array.from({ length: parallel }, async (_, lane) => {
      for (let round = 0; round < rounds; round += 1) {
        await withWorkspace(database, { workspaceId }, async (transaction) => {
          const setting = await transaction.query<{ value: string }>("SELECT current_setting('ragspace.workspace_id') AS value");
          if (setting.rows[0]!.value !== workspaceId) report.settingMismatches += 1;
          await transaction.query(
            `INSERT INTO documents (workspace_id, source, title, content_type, content_hash, metadata)
             VALUES ($1, $2, 'load', 'text/plain', 'h', jsonb_build_object('padding', $3::text))`,
            [workspaceId, `${process.pid}-${lane}-${round}-${Math.random()}`, padding],
          );
          const foreign = await transaction.query<{ count: number }>(
            'SELECT count(*)::int AS count FROM documents WHERE workspace_id <> $1',
            [workspaceId],
          );
          report.foreignRows += foreign.rows[0]!.count;
          const again = await transaction.query<{ value: string }>("SELECT current_setting('ragspace.workspace_id') AS value");
          if (again.rows[0]!.value !== workspaceId) report.settingMismatches += 1;
          report.transactions += 1;
        });
      }
    }),
  );
  return report;
}
