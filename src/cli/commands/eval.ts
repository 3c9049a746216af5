// ragspace eval: retrieval quality of a workspace on a BEIR test collection (nDCG@k, Recall@100,
// MRR@k as trec_eval computes them). Ingest the collection first: ragspace ingest --beir <dir>.
import { InvalidArgumentError, type Command } from 'commander';
import { validationError } from '../../errors.ts';
import { readBeirQrels, readBeirQueries } from '../../search/evaluation/beir-dataset.ts';
import { countJudgedDocuments, evaluateWorkspace, type WorkspaceEvaluation } from '../../search/evaluation/evaluate-workspace.ts';
import { defaultHybridWeights } from '../../search/hybrid-search.ts';
import { searchModes, type SearchMode } from '../../search/search.ts';
import type { Runtime } from '../../runtime.ts';
import { formatTable, printResult } from '../output.ts';
import { runWithRuntime } from '../run-command.ts';
import { operatorContext } from '../workspace-context.ts';
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

export async function runEvalCommand(runtime: Runtime, options: EvalCommandOptions): Promise<WorkspaceEvaluation[]> {
  const context = await operatorContext(runtime.database, options.workspaceId);
  const [queries, qrels] = await Promise.all([readBeirQueries(options.dataset), readBeirQrels(options.dataset, options.split)]);
  if ((await countJudgedDocuments(runtime.database, context, qrels)) === 0) {
    throw validationError(
      `Workspace ${context.slug} holds none of the documents judged in ${options.dataset}; ingest the corpus first: ` +
        `ragspace ingest --workspace-id ${options.workspaceId} --beir ${options.dataset}`,
    );
  }
  const modes: SearchMode[] = options.mode === 'all' ? ['text', 'vector', 'hybrid'] : [options.mode];
  const hybrid = { textWeight: options.textWeight, vectorWeight: options.vectorWeight };
  const evaluations: WorkspaceEvaluation[] = [];
  for (const mode of modes) {
    evaluations.push(
      await evaluateWorkspace({ database: runtime.database, embedder: runtime.embedder }, context, queries, qrels, {
        mode,
        cutoff: options.k,
        recallDepth: options.recallDepth,
        hybrid,
      }),
    );
  }
  const k = options.k;
  printResult(
    options,
    {
      workspace: { id: context.workspaceId, slug: context.slug },
      dataset: options.dataset,
      embedder: runtime.embedder.name,
      hybrid: { ...defaultHybridWeights, ...Object.fromEntries(Object.entries(hybrid).filter(([, value]) => value !== undefined)) },
      results: evaluations.map(({ perQuery: _perQuery, ...evaluation }) => evaluation),
    },
    () =>
      formatTable(
        ['MODE', `nDCG@${k}`, `Recall@${options.recallDepth}`, `MRR@${k}`, 'QUERIES', 'MS/QUERY'],
        evaluations.map((evaluation) => [
          evaluation.mode,
          evaluation.ndcg.toFixed(4),
          evaluation.recall.toFixed(4),
          evaluation.mrr.toFixed(4),
          String(evaluation.queryCount),
          evaluation.meanQueryMs.toFixed(1),
        ]),
      ),
  );
  return evaluations;
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
        await runEvalCommand(runtime, options);
      }),
    );
}
