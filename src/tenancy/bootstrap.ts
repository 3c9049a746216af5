// First start in embedded mode: a default organization, workspace, agent and key, so a solo
// developer needs no set-up. Runs once per database; the key is written to a 0600 file, never printed.
import { randomUUID } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Database, Queryable } from '../db/database.ts';
import { withControlPlane } from '../db/workspace-scope.ts';
import { insertAgent } from './agents.ts';
import { insertApiKey } from './api-keys.ts';
import { graphGroupFor } from './workspace-context.ts';

export interface BootstrapRecord {
  organizationId: string;
  workspaceId: string;
  apiKeyId: string;
  keyFile: string;
}

export interface BootstrapResult extends BootstrapRecord {
  /** True when this call did the set-up; false when it had been done before. */
  created: boolean;
}

export const bootstrapKeyFileName = 'bootstrap-key';

async function readRecord(transaction: Queryable): Promise<BootstrapRecord | undefined> {
  const { rows } = await transaction.query<{ value: BootstrapRecord }>(
    "SELECT value FROM deployment_settings WHERE key = 'bootstrap' FOR UPDATE",
  );
  return rows[0]?.value;
}

export async function bootstrapDefaultTenant(database: Database, pepper: string, dataDirectory: string): Promise<BootstrapResult> {
  const keyFile = path.join(dataDirectory, bootstrapKeyFileName);
  return withControlPlane(database, async (transaction) => {
    // Serialises concurrent first starts: the loser sees the winner's record.
    await transaction.query('LOCK TABLE deployment_settings IN SHARE ROW EXCLUSIVE MODE');
    const existing = await readRecord(transaction);
    if (existing) return { ...existing, created: false };

    const { rows } = await transaction.query<{ id: string }>(
      // The single developer's own deployment: the plan without usage limits.
      "INSERT INTO organizations (slug, name, plan_id) VALUES ('default', 'Default organization', 'enterprise') RETURNING id",
    );
    const organizationId = rows[0]!.id;
    const workspaceId = randomUUID();
    await transaction.query(
      "INSERT INTO workspaces (id, organization_id, slug, name, graph_group) VALUES ($1, $2, 'default', 'Default workspace', $3)",
      [workspaceId, organizationId, graphGroupFor(workspaceId)],
    );
    await insertAgent(transaction, workspaceId, { name: 'Default agent', slug: 'default' }, true);
    const { apiKey, secret } = await insertApiKey(transaction, pepper, workspaceId, {
      name: 'Bootstrap key',
      scopes: ['admin', 'chat', 'search', 'documents:write'],
    });
    const record: BootstrapRecord = { organizationId, workspaceId, apiKeyId: apiKey.id, keyFile };
    await transaction.query("INSERT INTO deployment_settings (key, value) VALUES ('bootstrap', $1)", [record]);
    // Written before the transaction commits: if writing fails, no key exists that nobody holds.
    const handle = await open(keyFile, 'w', 0o600);
    try {
      await handle.writeFile(`${secret}\n`);
      await handle.chmod(0o600);
    } catch (error) {
      await rm(keyFile, { force: true });
      throw error;
    } finally {
      await handle.close();
    }
    return { ...record, created: true };
  });
}
