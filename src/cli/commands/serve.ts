// ragspace serve: the HTTP service (what `npm start` runs). The work is in ../actions/serve.ts.
import type { Command } from 'commander';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve the HTTP API (embedded database unless DATABASE_URL is set)')
    .action(async () => {
      const { serve } = await import('../actions/serve.ts');
      await serve();
    });
}
