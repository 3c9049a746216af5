// Conversions between PostgreSQL rows and the graph model (times become ISO strings, vectors text literals).
import type { EntityRecord, EntityType, EntityView, FactRecord, FactView } from '../model.ts';

export function toIsoString(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const date = value instanceof Date ? value : new Date(String(value));
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

function requiredIsoString(value: unknown): string {
  return toIsoString(value) ?? new Date(0).toISOString();
}

// pgvector's text form; sent as a parameter and cast with ::vector, never interpolated.
export { toVectorLiteral } from '../../ingestion/embedders/embedder.ts';

export const entityColumns = `e.id::text AS id, e.name, e.normalized_name, e.entity_type, e.summary, e.aliases`;

export interface EntityRow {
  id: string;
  name: string;
  normalized_name: string;
  entity_type: EntityType;
  summary: string;
  aliases: string[];
}

export function toEntityRecord(row: EntityRow): EntityRecord {
  return {
    id: row.id,
    name: row.name,
    normalizedName: row.normalized_name,
    type: row.entity_type,
    summary: row.summary,
    aliases: row.aliases ?? [],
  };
}

export function toEntityView(row: Pick<EntityRow, 'id' | 'name' | 'entity_type' | 'summary'>): EntityView {
  return { id: row.id, name: row.name, type: row.entity_type, summary: row.summary };
}

export const factColumns = `f.id::text AS id, f.source_entity_id::text AS source_entity_id,
  f.target_entity_id::text AS target_entity_id, f.relation, f.fact, f.valid_at, f.invalid_at, f.created_at,
  f.expired_at, f.invalidated_by_fact_id::text AS invalidated_by_fact_id`;

export interface FactRow {
  id: string;
  source_entity_id: string;
  target_entity_id: string;
  relation: string;
  fact: string;
  valid_at: unknown;
  invalid_at: unknown;
  created_at: unknown;
  expired_at: unknown;
  invalidated_by_fact_id: string | null;
}

export function toFactRecord(row: FactRow): FactRecord {
  return {
    id: row.id,
    sourceEntityId: row.source_entity_id,
    targetEntityId: row.target_entity_id,
    relation: row.relation,
    fact: row.fact,
    validAt: toIsoString(row.valid_at),
    invalidAt: toIsoString(row.invalid_at),
    createdAt: requiredIsoString(row.created_at),
    expiredAt: toIsoString(row.expired_at),
    invalidatedByFactId: row.invalidated_by_fact_id,
  };
}

export interface FactViewRow extends FactRow {
  source_name: string;
  source_type: EntityType;
  target_name: string;
  target_type: EntityType;
  document_ids: string[] | null;
}

export function toFactView(row: FactViewRow): FactView {
  return {
    id: row.id,
    relation: row.relation,
    fact: row.fact,
    source: { id: row.source_entity_id, name: row.source_name, type: row.source_type },
    target: { id: row.target_entity_id, name: row.target_name, type: row.target_type },
    validAt: toIsoString(row.valid_at),
    invalidAt: toIsoString(row.invalid_at),
    createdAt: requiredIsoString(row.created_at),
    expiredAt: toIsoString(row.expired_at),
    documentIds: [...(row.document_ids ?? [])].sort(),
  };
}
