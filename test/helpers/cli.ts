// Runs the real `ragspace` binary in a child process, as a user would.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

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

/**
 * Runs a command that must fail: non-zero exit, `message` on standard error (a message, not a
 * stack trace), and `snapshot()` of the database the same before and after.
 */
export async function expectCliRejected(
  run: (...args: string[]) => Promise<CliResult>,
  snapshot: () => Promise<unknown>,
  args: string[],
  message: RegExp,
): Promise<void> {
  const before = await snapshot();
  const result = await run(...args);
  expect(result.exitCode, `${args.join(' ')} should fail`).not.toBe(0);
  expect(result.stderr).toMatch(message);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(await snapshot()).toEqual(before);
}

