// The one way to make a Cypher statement for the neo4j backend. The group comes from the
// WorkspaceContext (never from a caller's parameters); node and relationship patterns are written
// with helpers that put `group_id: $group_id` in them; the result is checked before it can run.
// The store's executor only accepts the branded statements this module returns.
import neo4j from 'neo4j-driver';
import { validationError } from '../../errors.ts';
import type { WorkspaceContext } from '../../tenancy/workspace-context.ts';
import { requireGraphGroup } from '../graph-group.ts';

export const groupParameter = 'group_id';
const groupFilter = `${groupParameter}: $${groupParameter}`;

export type NodeLabel = 'Entity' | 'Episode';
export type RelationshipType = 'RELATES_TO' | 'MENTIONS';

const statementBrand: unique symbol = Symbol('GroupScopedStatement');

export interface GroupScopedStatement {
  readonly name: string;
  readonly cypher: string;
  /** Includes group_id, taken from the context. */
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly [statementBrand]: true;
}

export interface CypherPatterns {
  /** `(variable:Label {group_id: $group_id, key: expression, …})` */
  node(variable: string, label: NodeLabel, properties?: Record<string, string>): string;
  /** `[variable:TYPE {group_id: $group_id, …}]` */
  relationship(variable: string, type: RelationshipType, properties?: Record<string, string>): string;
}

const identifierPattern = /^[a-z_][a-z0-9_]*$/;

function propertyMap(properties: Record<string, string>): string {
  const entries = Object.entries(properties).map(([key, expression]) => {
    if (!identifierPattern.test(key) || key === groupParameter) throw new Error(`Invalid pattern property "${key}"`);
    return `${key}: ${expression}`;
  });
  return `{${[groupFilter, ...entries].join(', ')}}`;
}

const patterns: CypherPatterns = {
  node(variable, label, properties = {}) {
    if (variable && !identifierPattern.test(variable)) throw new Error(`Invalid variable "${variable}"`);
    return `(${variable}:${label} ${propertyMap(properties)})`;
  },
  relationship(variable, type, properties = {}) {
    if (variable && !identifierPattern.test(variable)) throw new Error(`Invalid variable "${variable}"`);
    return `[${variable}:${type} ${propertyMap(properties)}]`;
  },
};

/** LIMIT and list slices need Cypher integers: JS numbers travel as floats. */
export function cypherInteger(value: number): ReturnType<typeof neo4j.int> {
  if (!Number.isSafeInteger(value) || value < 0) throw validationError(`Expected a non-negative integer, got ${value}`);
  return neo4j.int(value);
}

function assertParameterValue(path: string, value: unknown): void {
  if (value instanceof Date) {
    // The driver would silently store a JS Date as an empty map.
    throw new Error(`Cypher parameter ${path} is a Date: pass an ISO string`);
  }
  if (value === undefined) throw new Error(`Cypher parameter ${path} is undefined: pass null`);
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`Cypher parameter ${path} is not a finite number`);
  if (Array.isArray(value)) value.forEach((item, index) => assertParameterValue(`${path}[${index}]`, item));
  else if (value !== null && typeof value === 'object' && !neo4j.isInt(value)) {
    for (const [key, item] of Object.entries(value)) assertParameterValue(`${path}.${key}`, item);
  }
}

// Labelled patterns must carry the group filter right after the label; anonymous () is refused.
const labelledPattern = /([([])\s*([A-Za-z_][A-Za-z0-9_]*)?\s*:\s*([A-Za-z_][A-Za-z0-9_]*)(\*[0-9.]*)?\s*(\{)?/g;

export function assertGroupScoped(cypher: string): void {
  if (!cypher.includes(`$${groupParameter}`)) throw new Error('Cypher statement does not use $group_id');
  if (/\(\s*\)/.test(cypher)) throw new Error('Cypher statement has an anonymous node pattern (); give it a label and the group');
  for (const match of cypher.matchAll(labelledPattern)) {
    const rest = cypher.slice((match.index ?? 0) + match[0].length - 1);
    if (!match[5] || !rest.startsWith(`{${groupFilter}`)) {
      throw new Error(`Cypher pattern "${match[0]}" is not scoped to the group`);
    }
  }
}

/**
 * Builds a statement scoped to the context's graph group. `build` writes the Cypher using the
 * pattern helpers; `parameters` may not contain group_id (it is always the context's group).
 */
export function groupScopedCypher(
  context: WorkspaceContext,
  name: string,
  build: (helpers: CypherPatterns) => string,
  parameters: Record<string, unknown> = {},
): GroupScopedStatement {
  const group = requireGraphGroup(context);
  if (Object.hasOwn(parameters, groupParameter)) throw new Error('group_id comes from the workspace context, not from parameters');
  for (const [key, value] of Object.entries(parameters)) assertParameterValue(key, value);
  const cypher = build(patterns).trim().replace(/\s+/g, ' ');
  assertGroupScoped(cypher);
  return { name, cypher, parameters: { ...parameters, [groupParameter]: group }, [statementBrand]: true };
}

export function isGroupScopedStatement(value: unknown): value is GroupScopedStatement {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[statementBrand] === true;
}
