// Opens a Runtime for one CLI command, runs it, closes it, and turns errors into clear messages.
// Commands that only manage tenants open the control plane (the database); the others open the
// full Runtime, whose services are loaded only then (see runtime.ts).
import type { Command } from 'commander';
import { ConfigError, loadConfig, type Config } from '../config.ts';
import { RagspaceError } from '../errors.ts';
import { createLogger, type Logger } from '../logger.ts';
import { openControlRuntime, openRuntime, type ControlRuntime } from '../runtime.ts';
import { MigrationError } from '../db/migrations.ts';
import { EmbeddedDatabaseError } from '../db/embedded-database.ts';
import { RedisUnavailableError } from '../api/rate-limit-store.ts';

/** Raised by a command to exit non-zero after printing `message`. */
export class CommandFailure extends Error {
  override name = 'CommandFailure';
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

const expectedErrors = [RagspaceError, ConfigError, MigrationError, EmbeddedDatabaseError, RedisUnavailableError, CommandFailure];

export function reportError(error: unknown, json: boolean): number {
  const known = expectedErrors.some((type) => error instanceof type);
  const message = error instanceof Error ? error.message : String(error);
  if (json) {
    const code = error instanceof RagspaceError ? error.code : known ? 'command_failed' : 'internal_error';
    const details = error instanceof RagspaceError ? error.details : undefined;
    process.stderr.write(`${JSON.stringify({ error: { code, message, details } })}\n`);
  } else {
    process.stderr.write(`error: ${message}\n`);
    if (!known && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  }
  return error instanceof CommandFailure ? error.exitCode : 1;
}

type Opener<R extends ControlRuntime> = (config: Config, logger: Logger) => Promise<R>;

function runWith<R extends ControlRuntime>(open: Opener<R>) {
  return <Options extends { json?: boolean }, Arguments extends unknown[]>(
    action: (runtime: R, options: Options, ...args: Arguments) => Promise<void>,
  ) =>
    async (...commanderArguments: unknown[]): Promise<void> => {
      // Commander passes positional arguments, then the options object, then the Command.
      const command = commanderArguments.at(-1) as Command;
      const options = command.opts() as Options;
      const positional = commanderArguments.slice(0, -2) as Arguments;
      let runtime: R | undefined;
      try {
        const config = loadConfig();
        const logger = createLogger(process.env.LOG_LEVEL ?? 'warn', 'stderr');
        runtime = await open(config, logger);
        await action(runtime, options, ...positional);
      } catch (error) {
        process.exitCode = reportError(error, Boolean(options.json));
      } finally {
        await runtime?.close().catch(() => undefined);
      }
    };
}

/** Wraps a command action that needs the database only: opens it, runs, closes, sets the exit code. */
export const runWithDatabase = runWith(openControlRuntime);

/** Wraps a command action that searches, ingests or chats: the full Runtime (embedder, graph). */
export const runWithRuntime = runWith(openRuntime);
