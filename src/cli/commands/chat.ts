// ragspace chat: talk to a workspace's agent in the terminal, answers streamed as they come.
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { runChatTurn, type ChatDependencies, type ChatTurn } from '../../agent/chat-service.ts';
import type { Runtime } from '../../runtime.ts';
import type { WorkspaceContext } from '../../tenancy/workspace-context.ts';
import { printResult } from '../output.ts';
import { runWithRuntime } from '../run-command.ts';
import { operatorContext } from '../workspace-context.ts';

interface ChatOptions {
  workspace: string;
  agent?: string;
  session?: string;
  message?: string;
  json?: boolean;
}

function formatCitations(turn: ChatTurn): string {
  if (turn.citations.length === 0) return '';
  return `\n${turn.citations.map((citation) => `  [${citation.number}] ${citation.title} (${citation.source})`).join('\n')}\n`;
}

async function ask(
  dependencies: ChatDependencies,
  context: WorkspaceContext,
  options: ChatOptions,
  message: string,
  sessionId: string | undefined,
): Promise<ChatTurn> {
  const streamToTerminal = !options.json;
  const turn = await runChatTurn(dependencies, context, { message, agentId: options.agent, sessionId }, {
    emit: (event) => {
      if (!streamToTerminal) return;
      if (event.type === 'token') process.stdout.write(event.text);
      if (event.type === 'tool_call') process.stderr.write(`· ${event.name} ${JSON.stringify(event.arguments)}\n`);
      if (event.type === 'tool_result') process.stderr.write(`· ${event.name}: ${event.summary}\n`);
    },
  });
  if (streamToTerminal) process.stdout.write(`\n${formatCitations(turn)}`);
  return turn;
}

async function chat(runtime: Runtime, options: ChatOptions): Promise<void> {
  const context = await operatorContext(runtime.database, options.workspace);
  const dependencies: ChatDependencies = {
    config: runtime.config,
    database: runtime.database,
    embedder: runtime.embedder,
    graphStore: runtime.graphStore,
    // The operator is not bound by the workspace's plan; the turn's usage is recorded all the same.
    metering: { enforceQuotas: false },
  };
  if (options.message !== undefined) {
    const turn = await ask(dependencies, context, options, options.message, options.session);
    if (options.json) printResult(options, turn, () => '');
    return;
  }
  const terminal = createInterface({ input: process.stdin, terminal: process.stdin.isTTY });
  let sessionId = options.session;
  process.stdout.write('Ask a question (empty line or Ctrl-D to quit).\n> ');
  try {
    // Line by line until an empty line or the end of input; one session for the whole conversation.
    for await (const line of terminal) {
      if (line.trim() === '') break;
      const turn = await ask(dependencies, context, options, line, sessionId);
      sessionId = turn.sessionId;
      process.stdout.write('> ');
    }
  } finally {
    terminal.close();
  }
}

export function registerChatCommand(program: Command): void {
  program
    .command('chat')
    .description("chat with a workspace's agent in the terminal")
    .requiredOption('--workspace <id|slug>', 'the workspace')
    .option('--agent <id|slug>', "the agent (default: the workspace's default agent)")
    .option('--session <id>', 'continue a session')
    .option('--message <text>', 'ask one question and exit (no prompt)')
    .option('--json', 'with --message: print the whole turn as JSON')
    .action(runWithRuntime<ChatOptions, []>((runtime, options) => chat(runtime, options)));
}
