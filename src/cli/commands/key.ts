// ragspace key create|list|revoke
import type { Command } from 'commander';
import { createApiKey, listApiKeys, revokeApiKey } from '../../tenancy/api-keys.ts';
import { cliOperator } from '../../tenancy/audit.ts';
import { getWorkspace } from '../../tenancy/workspaces.ts';
import { formatTable, printResult } from '../output.ts';
import { runWithDatabase } from '../run-command.ts';

const scopeHelp = 'comma-separated scopes: chat, search, documents:write, admin';

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

export function registerKeyCommands(program: Command): void {
  const key = program.command('key').description('manage workspace API keys');

  key
    .command('create')
    .description('create an API key; the secret is printed once and never stored')
    .requiredOption('--workspace <id|slug>', 'the workspace (id, slug, or org-slug/workspace-slug)')
    .option('--name <name>', 'a label for the key', 'API key')
    .option('--scopes <scopes>', scopeHelp, 'chat,search')
    .option('--expires-at <date>', 'ISO 8601 date after which the key stops working')
    .option('--json', 'print JSON')
    .action(
      runWithDatabase<{ workspace: string; name: string; scopes: string; expiresAt?: string; json?: boolean }, []>(
        async (runtime, options) => {
          const workspace = await getWorkspace(runtime.database, options.workspace);
          const created = await createApiKey(runtime.database, runtime.keyPepper, { workspaceId: workspace.id }, {
            name: options.name,
            scopes: splitList(options.scopes),
            expiresAt: options.expiresAt,
          }, cliOperator);
          printResult(options, { ...created.apiKey, secret: created.secret }, () =>
            [
              `created key ${created.apiKey.prefix} (${created.apiKey.id}) for workspace ${workspace.slug}`,
              `scopes: ${created.apiKey.scopes.join(', ')}`,
              '',
              created.secret,
              '',
              'Store it now: it is shown only this once.',
            ].join('\n'),
          );
        },
      ),
    );

  key
    .command('list')
    .description("list a workspace's keys (never their secrets)")
    .requiredOption('--workspace <id|slug>', 'the workspace')
    .option('--json', 'print JSON')
    .action(
      runWithDatabase<{ workspace: string; json?: boolean }, []>(async (runtime, options) => {
        const workspace = await getWorkspace(runtime.database, options.workspace);
        const keys = await listApiKeys(runtime.database, { workspaceId: workspace.id });
        printResult(options, keys, () =>
          formatTable(
            ['ID', 'PREFIX', 'NAME', 'SCOPES', 'STATE'],
            keys.map((item) => [
              item.id,
              item.prefix,
              item.name,
              item.scopes.join(','),
              item.revokedAt ? 'revoked' : item.expiresAt && item.expiresAt < new Date() ? 'expired' : 'active',
            ]),
          ),
        );
      }),
    );

  key
    .command('revoke')
    .description('revoke a key by id or prefix; it stops working on the next request')
    .argument('<key>', 'key id or prefix (rsk_…)')
    .requiredOption('--workspace <id|slug>', 'the workspace')
    .option('--json', 'print JSON')
    .action(
      runWithDatabase<{ workspace: string; json?: boolean }, [string]>(async (runtime, options, keyReference) => {
        const workspace = await getWorkspace(runtime.database, options.workspace);
        const revoked = await revokeApiKey(runtime.database, { workspaceId: workspace.id }, keyReference, cliOperator);
        printResult(options, revoked, () => `revoked key ${revoked.prefix} (${revoked.id})`);
      }),
    );
}
