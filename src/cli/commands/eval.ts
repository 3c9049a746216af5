// ragspace eval: retrieval quality of a workspace on a BEIR test collection (nDCG@k, Recall@100,
// MRR@k as trec_eval computes them). Ingest the collection first: ragspace ingest --beir <dir>.
// The work is in ../actions/eval.ts.
import { InvalidArgumentError, type Command } from 'commander';
import { defaultHybridWeights } from '../../search/hybrid-search.ts';
import { searchModes, type SearchMode } from '../../search/search.ts';
import { runWithRuntime } from '../run-command.ts';
import { parseWholeNumber } from './ingest.ts';

export interface EvalCommandOptions {
  workspaceId: string;
  dataset: string;
  mode: SearchMode | 'all';
  k: number;
  recallDepth: number;
  split: string;
  textWeight?: number;
  vectorWeight?: number;
  json?: boolean;
}

function parseMode(value: string): SearchMode | 'all' {
  if (value === 'all' || (searchModes as readonly string[]).includes(value)) return value as SearchMode | 'all';
  throw new InvalidArgumentError(`expected one of ${[...searchModes, 'all'].join(', ')}`);
}

function parseWeight(value: string): number {
  const weight = Number(value);
  if (!Number.isFinite(weight) || weight < 0) throw new InvalidArgumentError('expected a number ≥ 0');
  return weight;
}

function positive(value: string): number {
  const number = parseWholeNumber(value);
  if (number < 1) throw new InvalidArgumentError('expected a whole number ≥ 1');
  return number;
}

export function registerEvalCommand(program: Command): void {
  program
    .command('eval')
    .description("measure a workspace's retrieval quality on a BEIR test collection (ingest its corpus with --beir first)")
    .requiredOption('--workspace-id <id|slug>', 'the workspace holding the corpus')
    .requiredOption('--dataset <dir>', 'the BEIR dataset directory (queries.jsonl, qrels/<split>.tsv)')
    .option('--mode <mode>', 'text, vector, hybrid, or all', parseMode, 'hybrid')
    .option('--k <k>', 'cut-off of nDCG and MRR', positive, 10)
    .option('--recall-depth <n>', 'depth of recall', positive, 100)
    .option('--split <name>', 'which qrels file to use', 'test')
    .option('--text-weight <w>', `hybrid: weight of the BM25 leg (default ${defaultHybridWeights.textWeight})`, parseWeight)
    .option('--vector-weight <w>', `hybrid: weight of the vector leg (default ${defaultHybridWeights.vectorWeight})`, parseWeight)
    .option('--json', 'print JSON')
    .action(
      runWithRuntime<EvalCommandOptions, []>(async (runtime, options) => {
        const { runEvalCommand } = await import('../actions/eval.ts');
        await runEvalCommand(runtime, options);
      }),
    );
}
