// One upload's ingestion as the API and the job worker run it (the same for sync and async uploads):
// the quota guard in the write transaction when the caller is bound by quotas, the document counted
// for /metrics, and its usage (the ingestion row, with the embedding and extraction calls beneath
// it) queued for the usage table.
import { countIngestedDocument } from '../observability/metrics.ts';
import { assertDocumentWithinQuotas } from '../tenancy/quotas.ts';
import type { UsageEvent } from '../tenancy/usage.ts';
import { meterOperation } from '../tenancy/usage-scope.ts';
import type { WorkspaceContext } from '../tenancy/workspace-context.ts';
import { ingestDocument, type DocumentInput, type IngestionDependencies, type IngestOptions, type IngestResult } from './documents.ts';

export interface Upload {
  input: DocumentInput;
  options: IngestOptions;
  sizeBytes: number;
}

export interface UploadMetering {
  /** The caller is bound by the workspace's plan (documents and storage quotas). */
  quotas: boolean;
  /** Where the usage rows go; absent: none are recorded. */
  record?: (event: UsageEvent) => void;
  /** The HTTP request that brought the upload. */
  requestId?: string | null;
}

/** An upload's usage row: what was stored (nothing when unchanged) and the bytes received. */
export function ingestionUsageEvent(result: IngestResult | undefined, sizeBytes: number): UsageEvent {
  const stored = result !== undefined && result.status !== 'unchanged';
  return { kind: 'ingestion', documents: stored ? 1 : 0, chunks: stored ? result.chunkCount : 0, bytes: sizeBytes };
}

export async function ingestUpload(
  dependencies: IngestionDependencies,
  context: WorkspaceContext,
  upload: Upload,
  metering: UploadMetering,
): Promise<IngestResult> {
  const ingestion = metering.quotas ? { ...dependencies, storeGuard: assertDocumentWithinQuotas } : dependencies;
  const ingest = async () => {
    const result = await ingestDocument(ingestion, context, upload.input, upload.options);
    countIngestedDocument({ workspaceId: context.workspaceId, status: result.status, chunks: result.status === 'unchanged' ? 0 : result.chunkCount });
    return result;
  };
  const { record } = metering;
  if (!record) return ingest();
  return meterOperation(record, { event: (result) => ingestionUsageEvent(result, upload.sizeBytes), requestId: metering.requestId }, ingest);
}
