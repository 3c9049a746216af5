// Runs the real `ragspace` binary in a child process, as a user would.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const binary = fileURLToPath(new URL('../../bin/ragspace.js', import.meta.url));

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs `ragspace …`; `input` is typed at its prompt (then standard input closes). */
export function runCli(
  args: string[],
  environment: Record<string, string> = {},
  input?: string,
  options: { timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [binary, ...args],
      { env: { ...process.env, LOG_LEVEL: 'warn', ...environment }, timeout: options.timeoutMs ?? 60_000 },
      (error, stdout, stderr) => {
        const exitCode = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ exitCode, stdout, stderr });
      },
    );
    child.stdin?.end(input ?? '');
  });
}
