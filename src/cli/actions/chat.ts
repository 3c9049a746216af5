// ragspace chat, the work: one question, or a conversation read line by line, answers streamed as they come.
import { createInterface } from 'node:readline';
import { runChatTurn, type ChatDependencies, type ChatTurn } from '../../agent/chat-service.ts';
import type { Runtime } from '../../runtime.ts';
import type { WorkspaceContext } from '../../tenancy/workspace-context.ts';
import { printResult } from '../output.ts';
import { parseChatMessage, type ChatOptions } from '../commands/chat.ts';
import { operatorContext } from '../workspace-context.ts';


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

export async function chat(runtime: Runtime, options: ChatOptions): Promise<void> {
  const context = await operatorContext(runtime.database, options.workspace);
  const dependencies: ChatDependencies = {
    config: runtime.config,
    database: runtime.database,
    embedder: runtime.embedder,
    graphStore: runtime.graphStore,
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
      let message: string;
      try {
        message = parseChatMessage(line);
      } catch (error) {
        // A line the API would refuse is refused here too, and the conversation goes on.
        process.stderr.write(`error: ${(error as Error).message}\n> `);
        continue;
      }
      const turn = await ask(dependencies, context, options, message, sessionId);
      sessionId = turn.sessionId;
      process.stdout.write('> ');
    }
  } finally {
    terminal.close();
  }
}
