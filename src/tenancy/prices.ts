// The price table: US dollars per million tokens, per model (a chat model's input and output, an
// embedder's embedded tokens). Set from a RAGSPACE_PRICES file at server start and by the platform
// admin's /prices endpoints. Usage rows are costed when stored (usage.ts), so a price applies
// from the moment it is set; a model without a price costs nothing.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { Database } from '../db/database.ts';
import { withControlPlane } from '../db/workspace-scope.ts';
import { notFound } from '../errors.ts';

const dollarsPerMillion = z.number().min(0).max(1_000_000);

export const modelNameSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces, as providers name models');

/** The price of one model; a missing field is 0. */
export const modelPriceInputSchema = z.strictObject({
  inputPerMillion: dollarsPerMillion.optional(),
  outputPerMillion: dollarsPerMillion.optional(),
  embeddingPerMillion: dollarsPerMillion.optional(),
});
export type ModelPriceInput = z.infer<typeof modelPriceInputSchema>;

/** A RAGSPACE_PRICES file: `{"<model>": {"inputPerMillion": 0.15, "outputPerMillion": 0.6}, …}`. */
export const priceFileSchema = z.record(modelNameSchema, modelPriceInputSchema);

export interface ModelPrice {
  model: string;
  inputPerMillion: number;
  outputPerMillion: number;
  embeddingPerMillion: number;
  updatedAt: Date;
}

const columns = `model, input_per_million AS "inputPerMillion", output_per_million AS "outputPerMillion",
  embedding_per_million AS "embeddingPerMillion", updated_at AS "updatedAt"`;

function toPrice(row: Record<string, unknown>): ModelPrice {
  return {
    model: String(row.model),
    inputPerMillion: Number(row.inputPerMillion),
    outputPerMillion: Number(row.outputPerMillion),
    embeddingPerMillion: Number(row.embeddingPerMillion),
    updatedAt: row.updatedAt as Date,
  };
}

/** Decimal text for numeric columns: the shortest form that round-trips, never binary noise. */
function decimal(value: number | undefined): string {
  return String(value ?? 0);
}

export function listPrices(database: Database): Promise<ModelPrice[]> {
  return withControlPlane(database, async (transaction) => {
    const { rows } = await transaction.query(`SELECT ${columns} FROM model_prices ORDER BY model`);
    return rows.map(toPrice);
  });
}

/** Sets (creates or replaces) the prices of the given models in one transaction. */
export function setPrices(database: Database, prices: Record<string, ModelPriceInput>): Promise<ModelPrice[]> {
  return withControlPlane(database, async (transaction) => {
    const stored: ModelPrice[] = [];
    for (const [model, price] of Object.entries(prices)) {
      const { rows } = await transaction.query(
        `INSERT INTO model_prices (model, input_per_million, output_per_million, embedding_per_million) VALUES ($1, $2, $3, $4)
         ON CONFLICT (model) DO UPDATE SET input_per_million = excluded.input_per_million, output_per_million = excluded.output_per_million,
           embedding_per_million = excluded.embedding_per_million, updated_at = now()
         RETURNING ${columns}`,
        [model, decimal(price.inputPerMillion), decimal(price.outputPerMillion), decimal(price.embeddingPerMillion)],
      );
      stored.push(toPrice(rows[0]!));
    }
    return stored;
  });
}

export function deletePrice(database: Database, model: string): Promise<void> {
  return withControlPlane(database, async (transaction) => {
    const { rowCount } = await transaction.query('DELETE FROM model_prices WHERE model = $1', [model]);
    if (rowCount === 0) throw notFound(`No price is set for model "${model}"`);
  });
}

export class PriceFileError extends Error {
  override name = 'PriceFileError';
}

/** Reads and validates a RAGSPACE_PRICES file. */
export async function readPriceFile(file: string): Promise<Record<string, ModelPriceInput>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new PriceFileError(`RAGSPACE_PRICES: cannot read ${file} as JSON: ${(error as Error).message}`);
  }
  const result = priceFileSchema.safeParse(parsed);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(file)'}: ${issue.message}`).join('; ');
    throw new PriceFileError(`RAGSPACE_PRICES: ${file} is not a price table (${problems}); expected {"<model>": {"inputPerMillion": 0.15, "outputPerMillion": 0.6, "embeddingPerMillion": 0}}`);
  }
  return result.data;
}
