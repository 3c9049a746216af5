// ragspace chat: talk to a workspace's agent in the terminal. The work is in ../actions/chat.ts.
import { InvalidArgumentError, type Command } from 'commander';
import { chatBodySchema } from '../../api/schemas/chat.ts';
import { runWithRuntime } from '../run-command.ts';

export interface ChatOptions {
  workspace: string;
  agent?: string;
  session?: string;
  message?: string;
  json?: boolean;
}

/** The same rule as POST /workspaces/:id/chat: a message of 1 to 20,000 characters, not only spaces. */
export function parseChatMessage(value: string): string {
  const parsed = chatBodySchema.shape.message.safeParse(value);
  if (!parsed.success) {
    throw new InvalidArgumentError(value.trim() === '' ? 'the message is empty' : (parsed.error.issues[0]?.message ?? 'invalid message'));
  }
  return parsed.data;
}

export function registerChatCommand(program: Command): void {
  program
    .command('chat')
    .description("chat with a workspace's agent in the terminal")
    .requiredOption('--workspace <id|slug>', 'the workspace')
    .option('--agent <id|slug>', "the agent (default: the workspace's default agent)")
    .option('--session <id>', 'continue a session')
    .option('--message <text>', 'ask one question and exit (no prompt)', parseChatMessage)
    .option('--json', 'with --message: print the whole turn as JSON')
    .action(
      runWithRuntime<ChatOptions, []>(async (runtime, options) => {
        const { chat } = await import('../actions/chat.ts');
        await chat(runtime, options);
      }),
    );
}
