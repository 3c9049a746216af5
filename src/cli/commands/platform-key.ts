// ragspace platform-key rotate: issue a new platform key (admin of every organization and
// workspace) and revoke every other one. The way to rotate the embedded bootstrap key, or to
// recover from a lost or revoked one: whoever can run the CLI against the database may.
import path from 'node:path';
import type { Command } from 'commander';
import { bootstrapKeyFileName } from '../../tenancy/bootstrap.ts';
import { issuePlatformKey } from '../../tenancy/platform-keys.ts';
import { writeSecretFile } from '../../tenancy/secret-file.ts';
import { printResult } from '../output.ts';
import { runWithDatabase } from '../run-command.ts';

interface RotateOptions {
  keyFile?: string;
  print?: boolean;
  json?: boolean;
}

export function registerPlatformKeyCommands(program: Command): void {
  const platformKey = program.command('platform-key').description("manage the platform's own admin key (not a tenant's)");

  platformKey
    .command('rotate')
    .description('issue a new platform key and revoke the others (they stop working within a second in every server)')
    .option('--key-file <path>', 'write the key to this file (mode 0600, replacing it); default: the data directory\'s bootstrap-key (embedded)')
    .option('--print', 'print the key once instead of writing a file (the default with DATABASE_URL)')
    .option('--json', 'print JSON')
    .action(
      runWithDatabase<RotateOptions, []>(async (runtime, options) => {
        const defaultFile = runtime.embedded ? path.join(runtime.config.dataDirectory, bootstrapKeyFileName) : undefined;
        const keyFile = options.print ? undefined : options.keyFile ? path.resolve(options.keyFile) : defaultFile;
        const issued = await issuePlatformKey(runtime.database, runtime.keyPepper, {
          name: 'Platform key',
          revokeOthers: true,
          keep: keyFile ? (secret) => writeSecretFile(keyFile, secret, { replace: true }) : undefined,
        });
        const revoked = `revoked ${issued.revoked} earlier platform key${issued.revoked === 1 ? '' : 's'}`;
        printResult(options, { apiKey: issued.apiKey, revoked: issued.revoked, ...(keyFile ? { keyFile } : { secret: issued.secret }) }, () =>
          keyFile
            ? `issued platform key ${issued.apiKey.prefix} into ${keyFile} (mode 0600; not printed); ${revoked}.`
            : [`issued platform key ${issued.apiKey.prefix}; ${revoked}.`, '', issued.secret, '', 'Store it now: it is shown only this once.'].join('\n'),
        );
      }),
    );
}
