// Everything a process needs, opened once and passed down: config, logger, database, key pepper.
// There are no module-level singletons; commands and the server receive a Runtime.
import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import { openDatabase } from './db/open-database.ts';
import type { Logger } from './logger.ts';
import { resolveKeyPepper } from './tenancy/key-pepper.ts';

export interface Runtime {
  config: Config;
  logger: Logger;
  database: Database;
  keyPepper: string;
  /** The embedded PGlite (not a DATABASE_URL server). */
  embedded: boolean;
  /** This process owns the embedded database (or uses a server); first-start set-up is its job. */
  isOwner: boolean;
  close(): Promise<void>;
}

export async function openRuntime(config: Config, logger: Logger): Promise<Runtime> {
  const keyPepper = await resolveKeyPepper(config);
  const { database, embedded, isOwner } = await openDatabase(config, (message) => logger.info(message));
  return {
    config,
    logger,
    database,
    keyPepper,
    embedded,
    isOwner,
    close: () => database.close(),
  };
}
