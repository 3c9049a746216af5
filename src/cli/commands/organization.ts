// ragspace org create|list|update|set-plan|suspend|reactivate
import type { Command } from 'commander';
import { cliOperator } from '../../tenancy/audit.ts';
import { createOrganization, listOrganizations, updateOrganization, type Organization } from '../../tenancy/organizations.ts';
import { setOrganizationPlan } from '../../tenancy/plans.ts';
import { setOrganizationStatus } from '../../tenancy/tenant-status.ts';
import { formatTable, printResult } from '../output.ts';
import { runWithDatabase } from '../run-command.ts';

const describe = (organization: Organization) =>
  `${organization.slug} (${organization.id}): plan ${organization.planId}, ${organization.status}${organization.contactEmail ? `, contact ${organization.contactEmail}` : ''}`;

export function registerOrganizationCommands(program: Command): void {
  const organization = program.command('org').description('manage organizations');

  organization
    .command('create')
    .description('create an organization')
    .requiredOption('--name <name>', 'display name')
    .option('--slug <slug>', 'URL-safe identifier (default: derived from the name)')
    .option('--contact-email <email>', 'where to reach its people')
    .option('--plan <plan>', 'plan id (default: the default plan)')
    .option('--json', 'print JSON')
    .action(
      runWithDatabase<{ name: string; slug?: string; contactEmail?: string; plan?: string; json?: boolean }, []>(async (runtime, options) => {
        const created = await createOrganization(runtime.database, {
          name: options.name,
          slug: options.slug,
          contactEmail: options.contactEmail,
          planId: options.plan,
        });
        printResult(options, created, () => `created organization ${describe(created)}`);
      }),
    );

  organization
    .command('list')
    .description('list organizations')
    .option('--json', 'print JSON')
    .action(
      runWithDatabase<{ json?: boolean }, []>(async (runtime, options) => {
        const organizations = await listOrganizations(runtime.database);
        printResult(options, organizations, () =>
          formatTable(
            ['ID', 'SLUG', 'NAME', 'PLAN', 'STATUS', 'CONTACT'],
            organizations.map((item) => [item.id, item.slug, item.name, item.planId, item.status, item.contactEmail ?? '']),
          ),
        );
      }),
    );

  organization
    .command('update')
    .description("change an organization's name, slug or contact email")
    .argument('<org>', 'organization id or slug')
    .option('--name <name>', 'display name')
    .option('--slug <slug>', 'URL-safe identifier')
    .option('--contact-email <email>', 'where to reach its people ("none" removes it)')
    .option('--json', 'print JSON')
    .action(
      runWithDatabase<{ name?: string; slug?: string; contactEmail?: string; json?: boolean }, [string]>(async (runtime, options, reference) => {
        const contactEmail = options.contactEmail === 'none' ? null : options.contactEmail;
        const updated = await updateOrganization(runtime.database, reference, { name: options.name, slug: options.slug, contactEmail });
        printResult(options, updated, () => `updated organization ${describe(updated)}`);
      }),
    );

  organization
    .command('set-plan')
    .description('move an organization to another plan')
    .argument('<org>', 'organization id or slug')
    .argument('<plan>', 'plan id')
    .option('--json', 'print JSON')
    .action(
      runWithDatabase<{ json?: boolean }, [string, string]>(async (runtime, options, reference, planId) => {
        const updated = await setOrganizationPlan(runtime.database, reference, planId, cliOperator);
        printResult(options, updated, () => `organization ${describe(updated)}`);
      }),
    );

  for (const [action, status, help] of [
    ['suspend', 'suspended', 'suspend an organization: its keys are refused (403) on every route; nothing is deleted'],
    ['reactivate', 'active', 'reactivate a suspended organization'],
  ] as const) {
    organization
      .command(action)
      .description(help)
      .argument('<org>', 'organization id or slug')
      .option('--reason <text>', 'why (kept in the audit trail)')
      .option('--json', 'print JSON')
      .action(
        runWithDatabase<{ reason?: string; json?: boolean }, [string]>(async (runtime, options, reference) => {
          const updated = await setOrganizationStatus(runtime.database, reference, status, { reason: options.reason }, cliOperator);
          printResult(options, updated, () => `organization ${describe(updated)}`);
        }),
      );
  }
}
