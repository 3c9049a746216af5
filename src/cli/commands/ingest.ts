// ragspace ingest: load a directory (Markdown, text, HTML, PDF) or a BEIR corpus into one workspace.
// The options are checked before the database opens; the work is in ../actions/ingest.ts.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { RagspaceError } from '../../errors.ts';
import { supportedExtensions } from '../../ingestion/loaders/content-types.ts';
import { runWithRuntime } from '../run-command.ts';

export interface IngestCommandOptions {
  workspaceId: string;
  directory?: string;
  beir?: string;
  glob?: string;
  clean?: boolean;
  chunkSize?: number;
  chunkOverlap?: number;
  graph: boolean;
  dryRun?: boolean;
  json?: boolean;
}

export function parseWholeNumber(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError('expected a whole number');
  return Number(value);
}

async function requireDirectory(option: string, directory: string): Promise<string | undefined> {
  const found = await stat(directory).catch(() => undefined);
  if (!found) return `${option} ${directory}: no such directory`;
  if (!found.isDirectory()) return `${option} ${directory}: not a directory`;
  return undefined;
}

/** Checks the options before the database is opened, so a typo fails fast with a clear message. */
async function validateOptions(options: IngestCommandOptions): Promise<string | undefined> {
  if (Boolean(options.directory) === Boolean(options.beir)) return 'pass exactly one of --directory <dir> or --beir <dir>';
  if (options.glob !== undefined && !options.directory) return '--glob applies to --directory only';
  const { parseChunkingOptions } = await import('../../ingestion/chunker.ts');
  try {
    parseChunkingOptions({ chunkSize: options.chunkSize, chunkOverlap: options.chunkOverlap });
  } catch (error) {
    if (error instanceof RagspaceError) return error.message;
    throw error;
  }
  if (options.directory) return requireDirectory('--directory', options.directory);
  const problem = await requireDirectory('--beir', options.beir!);
  if (problem) return problem;
  const corpus = await stat(path.join(options.beir!, 'corpus.jsonl')).catch(() => undefined);
  return corpus?.isFile() ? undefined : `--beir ${options.beir}: no corpus.jsonl in it (expected a BEIR dataset directory)`;
}

export function registerIngestCommand(program: Command): void {
  program
    .command('ingest')
    .description('ingest a directory of documents (Markdown, text, HTML, PDF) or a BEIR corpus into a workspace')
    .requiredOption('--workspace-id <id|slug>', 'the workspace (id, slug, or org-slug/workspace-slug)')
    .option('--directory <dir>', 'a directory of documents; each file is a document whose source is its relative path')
    .option('--beir <dir>', 'a BEIR dataset directory; each corpus.jsonl line is a document whose source is its _id')
    .option('--glob <pattern>', `which files of --directory to read (default: every file ending in .${supportedExtensions.join(', .')})`)
    .option('--clean', "delete the workspace's documents first (only that workspace's)")
    .option('--chunk-size <tokens>', 'maximum chunk size in tokens (default 512)', parseWholeNumber)
    .option('--chunk-overlap <tokens>', 'tokens shared by neighbouring chunks of a long section (default 64)', parseWholeNumber)
    .option('--no-graph', 'do not update the knowledge graph')
    .option('--dry-run', 'read and chunk, report what would change, write nothing')
    .option('--json', 'print a JSON summary')
    .hook('preAction', async (command) => {
      const problem = await validateOptions(command.opts<IngestCommandOptions>());
      if (problem) command.error(`error: ${problem}`, { exitCode: 1, code: 'ragspace.invalidOptions' });
    })
    .action(
      runWithRuntime<IngestCommandOptions, []>(async (runtime, options) => {
        const { runIngestCommand } = await import('../actions/ingest.ts');
        await runIngestCommand(runtime, options);
      }),
    );
}
