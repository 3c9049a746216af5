// ragspace serve: the HTTP service (what `npm start` runs).
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { buildApp } from '../../api/app.ts';
import { loadConfig } from '../../config.ts';
import { refreshPlannerStatistics } from '../../db/planner-statistics.ts';
import { createLogger } from '../../logger.ts';
import { openRuntime, type Runtime } from '../../runtime.ts';
import { ingestSampleCorpora } from '../../ingestion/sample-corpora.ts';
import { bootstrapDefaultTenant } from '../../tenancy/bootstrap.ts';
import { getWorkspace } from '../../tenancy/workspaces.ts';
import { reportError } from '../run-command.ts';

interface FirstStart {
  messages: string[];
  /** Prints a ready-to-paste request once the server's address is known. */
  tryIt?: (address: string) => string;
}

async function firstStart(runtime: Runtime): Promise<FirstStart> {
  if (!runtime.embedded) return { messages: [] };
  const bootstrap = await bootstrapDefaultTenant(runtime.database, runtime.keyPepper, runtime.config.dataDirectory);
  const relativeKeyFile = path.relative(process.cwd(), bootstrap.keyFile);
  const keyFile = relativeKeyFile && !relativeKeyFile.startsWith('..') ? relativeKeyFile : bootstrap.keyFile;
  const chatBody = JSON.stringify({ message: 'How do I reset my password?' });
  const searchBody = JSON.stringify({ query: 'How do I reset my password?', mode: 'hybrid', limit: 3 });
  const request = (address: string, route: string, body: string) =>
    `curl -s -X POST ${address}/workspaces/${bootstrap.workspaceId}/${route} -H "Authorization: Bearer $(cat ${keyFile})" -H 'Content-Type: application/json' -d '${body}'`;
  const tryIt = (address: string) =>
    [
      `Ask the default workspace (answers cite their sources):\n  ${request(address, 'chat', chatBody)}`,
      `Search it (BM25 + vectors, fused):\n  ${request(address, 'search', searchBody)}`,
    ].join('\n');
  if (!bootstrap.created) return { messages: [], tryIt: existsSync(bootstrap.keyFile) ? tryIt : undefined };
  const messages = [
    'First start: created the default organization, workspace and agent.',
    `A bootstrap API key (all scopes) is in ${keyFile} (mode 0600); it is not printed.`,
  ];
  try {
    const defaultWorkspace = await getWorkspace(runtime.database, bootstrap.workspaceId);
    const samples = await ingestSampleCorpora(
      { database: runtime.database, embedder: runtime.embedder, listeners: runtime.documentListeners ?? [] },
      { organizationId: bootstrap.organizationId, defaultWorkspace },
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
  return { messages, tryIt };
}

// Long enough for running ingestion jobs and streaming answers to finish; a second signal stops at once.
const shutdownDeadlineMs = 30_000;

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve the HTTP API (embedded database unless DATABASE_URL is set)')
    .action(async () => {
      let runtime: Runtime | undefined;
      try {
        const config = loadConfig();
        runtime = await openRuntime(config, createLogger(config.logLevel));
        const { messages, tryIt } = await firstStart(runtime);
        const app = await buildApp(runtime);
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
    });
}
