// A deployment has one vector space: every chunk of every workspace is embedded by the same model
// with the same dimension, or vector search would compare incomparable vectors. The first start
// fixes chunks.embedding to vector(D) and records the embedder; later starts with another
// embedder are refused with a message naming both.
import type { Database } from '../../db/database.ts';
import { withControlPlane } from '../../db/workspace-scope.ts';
import { embedderMismatch } from '../../errors.ts';
import type { Embedder } from './embedder.ts';

export interface RecordedEmbedder {
  name: string;
  dimensions: number;
}

const settingKey = 'embedder';

function describe(embedder: RecordedEmbedder): string {
  return `${embedder.name} (${embedder.dimensions} dimensions)`;
}

function refuseMismatch(recorded: RecordedEmbedder, configured: Embedder): void {
  if (recorded.name === configured.name && recorded.dimensions === configured.dimensions) return;
  throw embedderMismatch(
    `This deployment's documents were embedded with ${describe(recorded)}, but the configured embedder is ${describe(configured)}. ` +
      'Set EMBEDDER / EMBEDDING_MODEL / EMBEDDING_DIMENSIONS back to the recorded embedder, or start a new database and re-ingest.',
    { recorded, configured: { name: configured.name, dimensions: configured.dimensions } },
  );
}

export async function readRecordedEmbedder(database: Database): Promise<RecordedEmbedder | undefined> {
  return withControlPlane(database, async (transaction) => {
    const { rows } = await transaction.query<{ value: RecordedEmbedder }>('SELECT value FROM deployment_settings WHERE key = $1', [settingKey]);
    return rows[0]?.value;
  });
}

/**
 * Checks the configured embedder against the recorded one; on first use records it and fixes
 * chunks.embedding to vector(D). The ALTER needs the table owner, so that step runs as the
 * login role (plain transaction, no SET ROLE); concurrent first starts serialise on the table lock.
 */
export async function ensureDeploymentEmbedder(database: Database, embedder: Embedder): Promise<void> {
  const recorded = await readRecordedEmbedder(database);
  if (recorded) return refuseMismatch(recorded, embedder);
  await database.transaction(async (transaction) => {
    await transaction.query('LOCK TABLE deployment_settings IN SHARE ROW EXCLUSIVE MODE');
    const { rows } = await transaction.query<{ value: RecordedEmbedder }>('SELECT value FROM deployment_settings WHERE key = $1', [settingKey]);
    if (rows[0]) return refuseMismatch(rows[0].value, embedder);
    // The dimension is an integer we validated, not input text: safe to place in DDL.
    const dimensions = Math.trunc(embedder.dimensions);
    await transaction.query(`ALTER TABLE chunks ALTER COLUMN embedding TYPE vector(${dimensions})`);
    // The type change resets the column's storage: store vectors in the rows again (sql/200_search_speed.sql).
    await transaction.query('CALL ragspace_store_vectors_in_rows()');
    await transaction.query('INSERT INTO deployment_settings (key, value) VALUES ($1, $2)', [
      settingKey,
      { name: embedder.name, dimensions } satisfies RecordedEmbedder,
    ]);
  });
}
