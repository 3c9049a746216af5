// ragspace plan list|show|create|update|delete: the limits organizations are sold (operator).
import type { Command } from 'commander';
import { cliOperator } from '../../tenancy/audit.ts';
import { createPlan, deletePlan, getPlan, limitNames, listPlans, updatePlan, type Plan } from '../../tenancy/plans.ts';
import { collect, formatLimit, parseLimitAssignments } from '../limit-arguments.ts';
import { formatTable, printResult } from '../output.ts';
import { runWithRuntime } from '../run-command.ts';

const setHelp = `a limit, name=value (a whole number or "unlimited"); repeatable. Limits: ${limitNames.join(', ')}`;

function describePlan(plan: Plan): string {
  return [
    `${plan.id}: ${plan.name}${plan.isDefault ? ' (default)' : ''}`,
    formatTable(['LIMIT', 'VALUE'], limitNames.map((name) => [name, formatLimit(plan.limits[name])])),
  ].join('\n');
}

export function registerPlanCommands(program: Command): void {
  const plan = program.command('plan').description('manage plans (the limits each workspace of an organization runs under)');

  plan
    .command('list')
    .description('list plans')
    .option('--json', 'print JSON')
    .action(
      runWithRuntime<{ json?: boolean }, []>(async (runtime, options) => {
        const plans = await listPlans(runtime.database);
        printResult(options, plans, () =>
          formatTable(
            ['ID', 'NAME', 'DEFAULT', 'REQ/MIN', 'DOCUMENTS', 'STORAGE BYTES'],
            plans.map((item) => [item.id, item.name, item.isDefault ? 'yes' : '', formatLimit(item.limits.requestsPerMinute), formatLimit(item.limits.documents), formatLimit(item.limits.storageBytes)]),
          ),
        );
      }),
    );

  plan
    .command('show')
    .description("show a plan's limits")
    .argument('<plan>', 'plan id')
    .option('--json', 'print JSON')
    .action(
      runWithRuntime<{ json?: boolean }, [string]>(async (runtime, options, id) => {
        const found = await getPlan(runtime.database, id);
        printResult(options, found, () => describePlan(found));
      }),
    );

  plan
    .command('create')
    .description("create a plan: another plan's limits (--from, default: the default plan) with --set changes")
    .requiredOption('--id <id>', 'plan id (lower-case letters, digits, hyphens)')
    .requiredOption('--name <name>', 'display name')
    .option('--from <plan>', 'start from this plan\'s limits')
    .option('--set <name=value>', setHelp, collect, [])
    .option('--default', 'make it the plan of new organizations')
    .option('--json', 'print JSON')
    .action(
      runWithRuntime<{ id: string; name: string; from?: string; set: string[]; default?: boolean; json?: boolean }, []>(async (runtime, options) => {
        const changes = parseLimitAssignments(options.set);
        const base = options.from ? await getPlan(runtime.database, options.from) : (await listPlans(runtime.database)).find((item) => item.isDefault)!;
        const created = await createPlan(
          runtime.database,
          { id: options.id, name: options.name, limits: { ...base.limits, ...changes }, isDefault: options.default ?? false },
          cliOperator,
        );
        printResult(options, created, () => `created plan ${created.id}\n${describePlan(created)}`);
      }),
    );

  plan
    .command('update')
    .description("change a plan's name or limits (every organization on it at once), or make it the default")
    .argument('<plan>', 'plan id')
    .option('--name <name>', 'display name')
    .option('--set <name=value>', setHelp, collect, [])
    .option('--default', 'make it the plan of new organizations')
    .option('--json', 'print JSON')
    .action(
      runWithRuntime<{ name?: string; set: string[]; default?: boolean; json?: boolean }, [string]>(async (runtime, options, id) => {
        const updated = await updatePlan(
          runtime.database,
          id,
          { name: options.name, limits: parseLimitAssignments(options.set), ...(options.default ? { isDefault: true as const } : {}) },
          cliOperator,
        );
        printResult(options, updated, () => `updated plan ${updated.id}\n${describePlan(updated)}`);
      }),
    );

  plan
    .command('delete')
    .description('delete a plan no organization uses (not the default)')
    .argument('<plan>', 'plan id')
    .option('--json', 'print JSON')
    .action(
      runWithRuntime<{ json?: boolean }, [string]>(async (runtime, options, id) => {
        await deletePlan(runtime.database, id, cliOperator);
        printResult(options, { id, deleted: true }, () => `deleted plan ${id}`);
      }),
    );
}
