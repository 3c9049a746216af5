// Every Cypher statement the neo4j backend can emit, parsed offline with @neo4j-cypher/language-support:
// syntactically and semantically valid, every node and relationship pattern scoped to $group_id,
// no inlined values, the group taken from the context, and the same text for every workspace.
import {
  lintCypherQuery,
  NodePatternContext,
  parserWrapper,
  RelationshipPatternContext,
  StringLiteralContext,
} from '@neo4j-cypher/language-support';
import neo4j from 'neo4j-driver';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cypherStatements, type CypherStatementName } from '../../src/graph/neo4j/cypher-statements.ts';
import { assertGroupScoped, groupScopedCypher, type GroupScopedStatement } from '../../src/graph/neo4j/group-scoped-cypher.ts';
import { schemaStatements } from '../../src/graph/neo4j/neo4j-schema.ts';
import { createWorkspaceContext, type WorkspaceContext } from '../../src/tenancy/workspace-context.ts';

function contextFor(workspaceId: string): WorkspaceContext {
  return createWorkspaceContext({ organizationId: workspaceId, workspaceId, scopes: [] });
}

const alpha = contextFor('11111111-1111-4111-8111-111111111111');
const beta = contextFor('22222222-2222-4222-8222-222222222222');

/** Sample arguments for every statement; `seed` varies every value so the text can be compared across inputs. */
const samples: { [Name in CypherStatementName]: (context: WorkspaceContext, seed: string) => GroupScopedStatement } = {
  entitiesByNormalizedNames: (context, seed) => cypherStatements.entitiesByNormalizedNames(context, [`acme ${seed}`, "o'brien"]),
  entitiesBySimilarity: (context, seed) => cypherStatements.entitiesBySimilarity(context, [[0.1, seed.length], [1, 0]], `embedder-${seed}`, seed.length),
  factsTouching: (context, seed) => cypherStatements.factsTouching(context, [`entity-${seed}`]),
  updateEntities: (context, seed) =>
    cypherStatements.updateEntities(context, [{ id: `e-${seed}`, aliases: [`alias ${seed}`], nameTokens: ['alias'], summary: `"}) DETACH DELETE n //${seed}` }], `2026-01-0${seed.length}T00:00:00.000Z`),
  mergeEntities: (context, seed) =>
    cypherStatements.mergeEntities(
      context,
      [
        {
          id: `e-${seed}`,
          name: `Acme ${seed}`,
          normalizedName: `acme ${seed}`,
          type: 'organization',
          summary: '',
          aliases: [],
          nameTokens: ['acme'],
          embedder: 'test',
          nameEmbedding: [0.5, 0.5],
        },
      ],
      '2026-01-01T00:00:00.000Z',
    ),
  createEpisodes: (context, seed) =>
    cypherStatements.createEpisodes(
      context,
      [{ id: `ep-${seed}`, documentId: `doc-${seed}`, chunkId: null, position: seed.length, source: 's', title: 't', content: `c ${seed}`, referenceTime: '2026-01-01T00:00:00.000Z' }],
      '2026-01-01T00:00:00.000Z',
    ),
  createMentions: (context, seed) => cypherStatements.createMentions(context, [{ entityId: `e-${seed}`, episodeId: `ep-${seed}` }]),
  createFacts: (context, seed) =>
    cypherStatements.createFacts(context, [
      {
        id: `f-${seed}`,
        sourceId: 'a',
        targetId: 'b',
        relation: 'lead',
        fact: `A leads B ${seed}`,
        terms: ['lead'],
        embedder: 'test',
        factEmbedding: [1, 0],
        validAt: null,
        invalidAt: null,
        createdAt: '2026-01-01T00:00:00.000Z',
        expiredAt: null,
        invalidatedBy: null,
      },
    ]),
  addSupports: (context, seed) => cypherStatements.addSupports(context, [{ factId: `f-${seed}`, episodeId: `ep-${seed}` }]),
  invalidateFacts: (context, seed) =>
    cypherStatements.invalidateFacts(context, [
      { factId: `f-${seed}`, invalidAt: '2024-01-01T00:00:00.000Z', expiredAt: '2026-01-01T00:00:00.000Z', invalidatedByFactId: 'g' },
    ]),
  episodesOfDocument: (context, seed) => cypherStatements.episodesOfDocument(context, `doc-${seed}`, [`ep-${seed}`]),
  detachFactsFromEpisodes: (context, seed) => cypherStatements.detachFactsFromEpisodes(context, [`ep-${seed}`]),
  entitiesMentionedBy: (context, seed) => cypherStatements.entitiesMentionedBy(context, [`ep-${seed}`]),
  deleteEpisodes: (context, seed) => cypherStatements.deleteEpisodes(context, [`ep-${seed}`]),
  deleteUnsupportedFacts: (context, seed) => cypherStatements.deleteUnsupportedFacts(context, [`f-${seed}`]),
  restoreFactsInvalidatedBy: (context, seed) => cypherStatements.restoreFactsInvalidatedBy(context, [`f-${seed}`]),
  deleteOrphanEntities: (context, seed) => cypherStatements.deleteOrphanEntities(context, [`e-${seed}`]),
  deleteGroupFacts: (context) => cypherStatements.deleteGroupFacts(context),
  deleteGroupNodes: (context) => cypherStatements.deleteGroupNodes(context, 'Episode'),
  groupTextStatistics: (context, seed) => cypherStatements.groupTextStatistics(context, ['lead', seed]),
  factsContainingTerms: (context, seed) => cypherStatements.factsContainingTerms(context, ['lead', seed], seed.length > 3),
  factsBySimilarity: (context, seed) => cypherStatements.factsBySimilarity(context, [1, seed.length], 'test', seed.length, seed.length > 3),
  entitiesByNameTokens: (context, seed) => cypherStatements.entitiesByNameTokens(context, ['acme', seed]),
  entitiesByEmbedding: (context, seed) => cypherStatements.entitiesByEmbedding(context, [1, seed.length], 'test', seed.length),
  factIdsAround: (context, seed) => cypherStatements.factIdsAround(context, [`e-${seed}`], seed.length, seed.length > 3),
  factViews: (context, seed) => cypherStatements.factViews(context, [`f-${seed}`]),
  entityViews: (context, seed) => cypherStatements.entityViews(context, [`e-${seed}`]),
  entitiesNamed: (context, seed) => cypherStatements.entitiesNamed(context, `acme ${seed}`),
  neighbours: (context, seed) => cypherStatements.neighbours(context, [`e-${seed}`]),
  factsAmong: (context, seed) => cypherStatements.factsAmong(context, [`e-${seed}`], [`e-${seed}`, 'x']),
  timeline: (context, seed) => cypherStatements.timeline(context, [`e-${seed}`], seed.length),
  counts: (context) => cypherStatements.counts(context),
};

// The parser's antlr4 base types do not resolve under our compiler settings: a structural view suffices.
interface ParseNode {
  children?: ParseNode[] | null;
  getText(): string;
}

const textOf = (node: unknown): string => (node as ParseNode).getText();

function descendants(node: ParseNode): ParseNode[] {
  return [node, ...(node.children ?? []).flatMap(descendants)];
}

/** Checks the parse tree: every pattern carries group_id: $group_id, or is a variable an earlier scoped pattern bound. */
function unscopedPatterns(cypher: string): string[] {
  const parsed = parserWrapper.parse(cypher);
  expect(parsed.statementsParsing).toHaveLength(1);
  const tree = parsed.statementsParsing[0]!.ctx as unknown as ParseNode;
  const bound = new Set<string>();
  const problems: string[] = [];
  for (const node of descendants(tree)) {
    if (node instanceof NodePatternContext || node instanceof RelationshipPatternContext) {
      const properties = node.properties() ? textOf(node.properties()) : '';
      const variable = node.variable() ? textOf(node.variable()) : undefined;
      if (properties.startsWith('{group_id:$group_id')) {
        if (variable) bound.add(variable);
      } else if (node instanceof NodePatternContext && !node.labelExpression() && !properties && variable && bound.has(variable)) {
        // A bare reference to a node matched earlier inside the group.
      } else problems.push(textOf(node));
    }
    if (node instanceof StringLiteralContext && textOf(node) !== "''") problems.push(`string literal ${textOf(node)}`);
  }
  return problems;
}

function parameterNames(cypher: string): Set<string> {
  return new Set([...cypher.matchAll(/\$([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => match[1]!));
}

describe('neo4j Cypher statements', () => {
  const names = Object.keys(cypherStatements) as CypherStatementName[];

  it('covers every statement the backend defines', () => {
    expect(Object.keys(samples).sort()).toEqual([...names].sort());
    expect(names.length).toBeGreaterThanOrEqual(25);
  });

  describe.each(names)('%s', (name) => {
    const statement = samples[name](alpha, 'a');

    it('parses and passes semantic analysis', () => {
      const diagnostics = lintCypherQuery(statement.cypher, { parameters: { ...statement.parameters } });
      expect(diagnostics.map((diagnostic) => diagnostic.message)).toEqual([]);
    });

    it('scopes every node and relationship pattern to the group and inlines no values', () => {
      expect(unscopedPatterns(statement.cypher)).toEqual([]);
    });

    it('passes exactly the parameters it uses, with the context’s group', () => {
      expect(parameterNames(statement.cypher)).toEqual(new Set(Object.keys(statement.parameters)));
      expect(statement.parameters.group_id).toBe(alpha.graphGroup);
      for (const match of statement.cypher.matchAll(/(?:LIMIT \$|\.\.\$)([a-z_]+)/g)) {
        expect(neo4j.isInt(statement.parameters[match[1]!]), `${match[1]} must be a Cypher integer`).toBe(true);
      }
      const serialised = JSON.stringify(statement.parameters);
      expect(serialised).not.toContain('{}'); // a JS Date would have become an empty map
    });

    it('has the same text for every workspace and every input', () => {
      const other = samples[name](beta, 'different-seed');
      expect(other.cypher).toBe(statement.cypher);
      expect(other.parameters.group_id).toBe(beta.graphGroup);
      expect(other.parameters.group_id).not.toBe(statement.parameters.group_id);
    });
  });

  it('scopes the group-clearing statement for both labels', () => {
    for (const label of ['Entity', 'Episode'] as const) {
      const statement = cypherStatements.deleteGroupNodes(alpha, label);
      expect(unscopedPatterns(statement.cypher)).toEqual([]);
      expect(lintCypherQuery(statement.cypher, { parameters: { ...statement.parameters } })).toEqual([]);
    }
  });

  it('has a parse-tree check that catches unscoped patterns and literals', () => {
    expect(unscopedPatterns('MATCH (e:Entity {group_id: $group_id})-[r:RELATES_TO]->(t:Entity {group_id: $group_id}) RETURN t')).toEqual([
      '-[r:RELATES_TO]->',
    ]);
    expect(unscopedPatterns('MATCH (e:Entity {group_id: $group_id}) MATCH (x) RETURN x')).toEqual(['(x)']);
    expect(unscopedPatterns('MATCH (e:Entity {uuid: $id, group_id: $group_id}) RETURN e')).toHaveLength(1);
    expect(unscopedPatterns("MATCH (e:Entity {group_id: $group_id}) WHERE e.name = 'Acme' RETURN e")).toEqual(["string literal 'Acme'"]);
  });

  it('refuses an empty or malformed group, a caller-supplied group_id, and Date parameters', () => {
    expect(() => cypherStatements.counts({ ...alpha, graphGroup: '' })).toThrow(/no graph group/);
    expect(() => cypherStatements.counts({ ...alpha, graphGroup: 'ws_1 OR true' })).toThrow(/malformed/);
    expect(() => groupScopedCypher(alpha, 'x', ({ node }) => `MATCH ${node('e', 'Entity')} RETURN e`, { group_id: beta.graphGroup })).toThrow(
      /from the workspace context/,
    );
    expect(() =>
      groupScopedCypher(alpha, 'x', ({ node }) => `MATCH ${node('e', 'Entity')} WHERE e.created_at > $since RETURN e`, { since: new Date() }),
    ).toThrow(/ISO string/);
  });

  it('refuses hand-written patterns that escape the group', () => {
    expect(() => assertGroupScoped('MATCH (e:Entity) RETURN e')).toThrow();
    expect(() => assertGroupScoped('MATCH (e:Entity {group_id: $group_id})-[r:RELATES_TO]->(t:Entity {group_id: $group_id}) RETURN r')).toThrow(
      /not scoped/,
    );
    expect(() => assertGroupScoped('MATCH (e:Entity {group_id: $group_id})--() RETURN e')).toThrow(/anonymous/);
    expect(() => assertGroupScoped('MATCH (e:Entity {uuid: $id, group_id: $group_id}) RETURN e')).toThrow(/not scoped/);
    expect(() => groupScopedCypher(alpha, 'x', () => 'MATCH (e:Episode) DETACH DELETE e')).toThrow();
  });

  it('creates constraints and indexes with schema statements that parse and take no input', () => {
    const statements = schemaStatements(384);
    expect(statements.map((statement) => statement.name)).toEqual(
      expect.arrayContaining(['entity_identity', 'entity_name', 'fact_group', 'entity_text', 'fact_text', 'fact_embedding']),
    );
    for (const statement of statements) {
      expect(statement.cypher).toMatch(/^CREATE (CONSTRAINT|INDEX|FULLTEXT INDEX|VECTOR INDEX) ragspace_\w+ IF NOT EXISTS /);
      expect(statement.cypher).not.toContain('$');
      expect(lintCypherQuery(statement.cypher, {}).map((diagnostic) => diagnostic.message)).toEqual([]);
    }
    expect(schemaStatements(undefined).some((statement) => statement.cypher.includes('VECTOR'))).toBe(false);
    expect(() => schemaStatements(1.5)).toThrow();
  });

  it('sends Cypher to the driver from one place only', () => {
    const source = readFileSync(new URL('../../src/graph/neo4j/neo4j-graph-store.ts', import.meta.url), 'utf8');
    // runScoped (group-scoped statements) and the start-up schema statements: nothing else reaches the driver.
    expect(source.match(/\.run\(/g)).toHaveLength(1);
    expect(source.match(/executeQuery\(/g)).toHaveLength(1);
    expect(source).toMatch(/executeQuery\(statement\.cypher, \{\}/);
    expect(source).not.toMatch(/(MATCH|MERGE|CREATE) \(/);
  });
});
