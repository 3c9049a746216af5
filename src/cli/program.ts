// The `ragspace` command tree. Each command group registers itself from its own file.
import { Command } from 'commander';
import { registerAuditCommand } from './commands/audit.ts';
import { registerChatCommand } from './commands/chat.ts';
import { registerEvalCommand } from './commands/eval.ts';
import { registerIngestCommand } from './commands/ingest.ts';
import { registerInitCommand } from './commands/init.ts';
import { registerKeyCommands } from './commands/key.ts';
import { registerMcpCommand } from './commands/mcp.ts';
import { registerOrganizationCommands } from './commands/organization.ts';
import { registerPlanCommands } from './commands/plan.ts';
import { registerPlatformKeyCommands } from './commands/platform-key.ts';
import { registerServeCommand } from './commands/serve.ts';
import { registerWorkspaceCommands } from './commands/workspace.ts';

export function buildProgram(): Command {
  const program = new Command()
    .name('ragspace')
    .description('Multi-tenant RAG agent service')
    .showHelpAfterError()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  registerServeCommand(program);
  registerPlanCommands(program);
  registerInitCommand(program);
  registerOrganizationCommands(program);
  registerWorkspaceCommands(program);
  registerKeyCommands(program);
  registerPlatformKeyCommands(program);
  registerIngestCommand(program);
  registerEvalCommand(program);
  registerChatCommand(program);
  registerAuditCommand(program);
  registerMcpCommand(program);
  return program;
}
