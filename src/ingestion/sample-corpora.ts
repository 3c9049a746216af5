// The sample corpora in documents/: one folder per demo workspace. On the first start of an
// embedded deployment each folder becomes a workspace of the default organization, and one corpus
// also goes into the default workspace so the bootstrap key gets answers straight away.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createWorkspaceContext, type WorkspaceContext } from '../tenancy/workspace-context.ts';
import { createWorkspace } from '../tenancy/workspaces.ts';
import type { IngestionDependencies } from './documents.ts';
import { runIngestion, type IngestRunSummary } from './ingest-run.ts';
import { listDirectoryItems } from './sources/directory.ts';

export const sampleDocumentsDirectory = fileURLToPath(new URL('../../documents/', import.meta.url));

/** The corpus that also fills the default workspace. */
export const defaultWorkspaceCorpus = 'acme-support';

export interface SampleWorkspace {
  corpus: string;
  workspaceId: string;
  slug: string;
  summary: IngestRunSummary;
}

function displayName(folder: string): string {
  return folder
    .split('-')
    .map((word) => (word.length <= 2 ? word.toUpperCase() : word[0]!.toUpperCase() + word.slice(1)))
    .join(' ');
}

function contextOf(organizationId: string, workspace: { id: string }): WorkspaceContext {
  return createWorkspaceContext({ organizationId, workspaceId: workspace.id });
}

export async function listSampleCorpora(directory = sampleDocumentsDirectory): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isDirectory() && /^[a-z0-9][a-z0-9-]{0,62}$/.test(entry.name))
    .map((entry) => entry.name)
    .sort();
}

/**
 * Creates a workspace per sample corpus in the organization and ingests it; also ingests the
 * default corpus into `defaultWorkspace`. Meant for the first start only (workspaces are new).
 */
export async function ingestSampleCorpora(
  dependencies: IngestionDependencies,
  target: { organizationId: string; defaultWorkspace: { id: string; graphGroup: string; slug: string } },
  directory = sampleDocumentsDirectory,
): Promise<SampleWorkspace[]> {
  const corpora = await listSampleCorpora(directory);
  const ingested: SampleWorkspace[] = [];
  for (const corpus of corpora) {
    const workspace = await createWorkspace(dependencies.database, { organization: target.organizationId, name: displayName(corpus), slug: corpus });
    const items = await listDirectoryItems(path.join(directory, corpus));
    const summary = await runIngestion(dependencies, contextOf(target.organizationId, workspace), items);
    ingested.push({ corpus, workspaceId: workspace.id, slug: workspace.slug, summary });
  }
  const defaultCorpus = corpora.includes(defaultWorkspaceCorpus) ? defaultWorkspaceCorpus : corpora[0];
  if (defaultCorpus) {
    const items = await listDirectoryItems(path.join(directory, defaultCorpus));
    const summary = await runIngestion(dependencies, contextOf(target.organizationId, target.defaultWorkspace), items);
    ingested.push({ corpus: defaultCorpus, workspaceId: target.defaultWorkspace.id, slug: target.defaultWorkspace.slug, summary });
  }
  return ingested;
}
