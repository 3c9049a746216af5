// Limit arguments of the plan and workspace commands: repeated `--set name=value` (a whole number,
// or "unlimited") and `--unset name`; plans.ts validates the names and values.
import { CommandFailure } from './run-command.ts';

/** Commander's collector for repeatable options. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function parseLimitAssignments(assignments: readonly string[]): Record<string, number | null> {
  const limits: Record<string, number | null> = {};
  for (const assignment of assignments) {
    const match = /^([A-Za-z]+)=(\d+|unlimited)$/.exec(assignment.trim());
    if (!match) throw new CommandFailure(`--set ${assignment}: write name=value, where value is a whole number or "unlimited" (e.g. --set requestsPerMinute=120)`);
    limits[match[1]!] = match[2] === 'unlimited' ? null : Number(match[2]);
  }
  return limits;
}

export function formatLimit(value: number | null | undefined): string {
  return value === null || value === undefined ? 'unlimited' : String(value);
}
