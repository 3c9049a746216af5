// ragspace serve, the work: open the runtime, set up a first embedded start, listen, shut down cleanly.
import path from 'node:path';
import { loadConfig } from '../../config.ts';
import { refreshPlannerStatistics } from '../../db/planner-statistics.ts';
import { createLogger } from '../../logger.ts';
import { openRuntime, type Runtime } from '../../runtime.ts';
import { ingestSampleCorpora } from '../../ingestion/sample-corpora.ts';
import { bootstrapKeyFileName, ensureFirstPlatformKey, ensureFirstTenant, hasOrganizations } from '../../tenancy/bootstrap.ts';
import { keyFileHoldsPlatformKey } from '../../tenancy/platform-keys.ts';
import { getWorkspace } from '../../tenancy/workspaces.ts';
import { reportError } from '../run-command.ts';

interface FirstStart {
  messages: string[];
  /** Prints a ready-to-paste request once the server's address is known. */
  tryIt?: (address: string) => string;
}

/** A path as the user can paste it: relative to the working directory when inside it. */
function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') ? relative : file;
}

async function firstStart(runtime: Runtime): Promise<FirstStart> {
  if (!runtime.embedded) {
    // With DATABASE_URL nothing is created at start-up; say how to begin on an empty database.
    if (await hasOrganizations(runtime.database)) return { messages: [] };
    return { messages: ['The database has no organization yet: create the first one with `ragspace init`, or POST /organizations with RAGSPACE_ADMIN_KEY.'] };
  }
  const keyFilePath = path.join(runtime.config.dataDirectory, bootstrapKeyFileName);
  // The single developer's own deployment: the plan without usage limits.
  const { tenant, created } = await ensureFirstTenant(runtime.database, { planId: 'enterprise' });
  const issued = await ensureFirstPlatformKey(runtime.database, runtime.keyPepper, keyFilePath);
  const keyFile = displayPath(keyFilePath);
  const keyWorks = issued || (await keyFileHoldsPlatformKey(runtime.database, runtime.keyPepper, keyFilePath));
  const chatBody = JSON.stringify({ message: 'How do I reset my password?' });
  const searchBody = JSON.stringify({ query: 'How do I reset my password?', mode: 'hybrid', limit: 3 });
  const request = (address: string, route: string, body: string) =>
    `curl -s -X POST ${address}/workspaces/${tenant.workspaceId}/${route} -H "Authorization: Bearer $(cat ${keyFile})" -H 'Content-Type: application/json' -d '${body}'`;
  const tryIt = (address: string) =>
    [
      `Ask the default workspace (answers cite their sources):\n  ${request(address, 'chat', chatBody)}`,
      `Search it (BM25 + vectors, fused):\n  ${request(address, 'search', searchBody)}`,
    ].join('\n');
  const messages: string[] = [];
  if (created) messages.push('First start: created the default organization, workspace and agent.');
  if (issued) messages.push(`A platform key (admin of every organization and workspace) is in ${keyFile} (mode 0600); it is not printed.`);
  if (!keyWorks) {
    messages.push(`${keyFile} holds no valid platform key (missing, revoked or rotated away); issue a new one with \`ragspace platform-key rotate\`.`);
  }
  const usableTryIt = keyWorks && tenant.workspaceSlug !== null ? tryIt : undefined;
  if (!created) return { messages, tryIt: usableTryIt };
  try {
    const defaultWorkspace = await getWorkspace(runtime.database, tenant.workspaceId);
    const samples = await ingestSampleCorpora(
      { database: runtime.database, embedder: runtime.embedder, listeners: runtime.documentListeners ?? [] },
      { organizationId: tenant.organizationId, defaultWorkspace },
    );
    await refreshPlannerStatistics(runtime.database, runtime.embedded);
    for (const sample of samples) {
      const { created, failed, chunks } = sample.summary;
      messages.push(`Sample corpus ${sample.corpus} → workspace ${sample.slug} (${sample.workspaceId}): ${created} documents, ${chunks} chunks${failed ? `, ${failed} failed` : ''}.`);
    }
  } catch (error) {
    // The service is usable without the samples; say so and go on.
    messages.push(`Could not ingest the sample corpora: ${(error as Error).message}`);
  }
  return { messages, tryIt: usableTryIt };
}

// Long enough for running ingestion jobs and streaming answers to finish; a second signal stops at once.
const shutdownDeadlineMs = 30_000;

export async function serve(): Promise<void> {
  let runtime: Runtime | undefined;
  try {
    const config = loadConfig();
    // Loading the API's modules overlaps with opening the database.
    const appModule = import('../../api/app.ts');
    appModule.catch(() => undefined);
    runtime = await openRuntime(config, createLogger(config.logLevel));
    const { messages, tryIt } = await firstStart(runtime);
    const app = await (await appModule).buildApp(runtime);
    const address = await app.listen({ port: config.port, host: config.host });
    for (const message of messages) runtime.logger.info(message);
    process.stdout.write([...messages, `ragspace listening on ${address}`, ...(tryIt ? [tryIt(address)] : []), ''].join('\n'));
    const shutdown = async (signal: string) => {
      runtime?.logger.info(`${signal}: finishing in-flight requests and running ingestion jobs; queued ones stay in the database (send ${signal} again to stop at once)`);
      // A stuck stream must not keep the process up for ever.
      const deadline = setTimeout(() => {
        runtime?.logger.error(`shutdown took longer than ${shutdownDeadlineMs / 1000} s; exiting`);
        process.exit(1);
      }, shutdownDeadlineMs);
      deadline.unref();
      try {
        await app.close();
        await runtime?.close();
        process.exit(0);
      } catch (error) {
        runtime?.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      }
    };
    process.once('SIGINT', () => void shutdown('SIGINT'));
    process.once('SIGTERM', () => void shutdown('SIGTERM'));
  } catch (error) {
    process.exitCode = reportError(error, false);
    await runtime?.close().catch(() => undefined);
  }
}
