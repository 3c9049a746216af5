// ragspace init: the first organization, workspace, default agent and a workspace key, on any
// database (the way to begin on a DATABASE_URL server, where start-up creates nothing). Run twice,
// it creates nothing the second time and says what exists.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { insertApiKey, type CreatedApiKey } from '../../tenancy/api-keys.ts';
import { ensureFirstTenant, type FirstTenant } from '../../tenancy/bootstrap.ts';
import { writeSecretFile } from '../../tenancy/secret-file.ts';
import { apiKeyScopes } from '../../tenancy/workspace-context.ts';
import { printResult } from '../output.ts';
import { CommandFailure, runWithDatabase } from '../run-command.ts';

interface InitOptions {
  orgName?: string;
  orgSlug?: string;
  workspaceName?: string;
  workspaceSlug?: string;
  plan?: string;
  keyFile?: string;
  json?: boolean;
}

function workspaceReference(tenant: FirstTenant): string {
  return tenant.organizationSlug && tenant.workspaceSlug ? `${tenant.organizationSlug}/${tenant.workspaceSlug}` : tenant.workspaceId;
}

function describe(tenant: FirstTenant): string {
  return `organization ${tenant.organizationSlug ?? '(deleted)'} (${tenant.organizationId}), workspace ${workspaceReference(tenant)} (${tenant.workspaceId})`;
}

function humanReport(tenant: FirstTenant, key: CreatedApiKey | undefined, keyFile: string | undefined): string {
  if (!key) {
    return [
      `already initialised on ${tenant.createdAt}: ${describe(tenant)}; nothing was created${keyFile ? ` and ${keyFile} was not written` : ''}.`,
      `Create another key with: ragspace key create --workspace ${workspaceReference(tenant)} --scopes admin`,
    ].join('\n');
  }
  const lines = [`initialised: ${describe(tenant)}, with its default agent.`];
  const scopes = key.apiKey.scopes.join(', ');
  if (keyFile) return [...lines, `A workspace key ${key.apiKey.prefix} (scopes: ${scopes}) is in ${keyFile} (mode 0600); it is not printed.`].join('\n');
  return [...lines, `Workspace key ${key.apiKey.prefix} (scopes: ${scopes}):`, '', key.secret, '', 'Store it now: it is shown only this once.'].join('\n');
}

export function registerInitCommand(program: Command): void {
  program
    .command('init')
    .description('create the first organization, workspace, agent and a workspace key (once; a second run changes nothing)')
    .option('--org-name <name>', 'the organization (default "Default organization")')
    .option('--org-slug <slug>', 'its slug (default "default")')
    .option('--workspace-name <name>', 'the workspace (default "Default workspace")')
    .option('--workspace-slug <slug>', 'its slug (default "default")')
    .option('--plan <id>', "the organization's plan (default: the default plan)")
    .option('--key-file <path>', 'write the key to this new file (mode 0600) instead of printing it')
    .option('--json', 'print JSON')
    .action(
      runWithDatabase<InitOptions, []>(async (runtime, options) => {
        const keyFile = options.keyFile === undefined ? undefined : path.resolve(options.keyFile);
        if (keyFile && (await stat(keyFile).catch(() => undefined))) {
          throw new CommandFailure(`--key-file ${options.keyFile}: the file exists; choose a new file (nothing was created)`);
        }
        const { tenant, created, extra: key } = await ensureFirstTenant(
          runtime.database,
          {
            organizationName: options.orgName,
            organizationSlug: options.orgSlug,
            workspaceName: options.workspaceName,
            workspaceSlug: options.workspaceSlug,
            planId: options.plan,
          },
          async (transaction, first) => {
            const issued = await insertApiKey(transaction, runtime.keyPepper, first.workspaceId, { name: 'Initial key', scopes: [...apiKeyScopes] });
            // In the same transaction: a key whose file cannot be written is not created.
            if (keyFile) await writeSecretFile(keyFile, issued.secret, { replace: false });
            return issued;
          },
        );
        const shownKey = created && key ? { ...key.apiKey, ...(keyFile ? { keyFile } : { secret: key.secret }) } : null;
        printResult(
          options,
          {
            created,
            organization: { id: tenant.organizationId, slug: tenant.organizationSlug },
            workspace: { id: tenant.workspaceId, slug: tenant.workspaceSlug },
            apiKey: shownKey,
          },
          () => humanReport(tenant, created ? key : undefined, keyFile),
        );
      }),
    );
}
