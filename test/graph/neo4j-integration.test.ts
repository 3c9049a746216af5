// The neo4j backend against a real Neo4j server (5.18+), only when NEO4J_URI is set. No server runs
// where this was written, so these tests have never run there: they say so loudly when skipped.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getEntityRelationships, getEntityTimeline, graphSearch } from '../../src/graph/graph-search.ts';
import { createNeo4jGraphStore, openNeo4jDriver } from '../../src/graph/neo4j/neo4j-graph-store.ts';
import type { GraphStore } from '../../src/graph/graph-store.ts';
import { createWorkspaceContext, type WorkspaceContext } from '../../src/tenancy/workspace-context.ts';
import { fixtureNames } from './helpers/graph-fixtures.ts';
import { createGraphHarness, type GraphHarness } from './helpers/graph-harness.ts';

const uri = process.env.NEO4J_URI;
const database = process.env.NEO4J_DATABASE ?? 'neo4j';

if (!uri) {
  console.warn(
    '\n⚠️  NEO4J INTEGRATION TESTS SKIPPED: NEO4J_URI is not set. The neo4j graph backend was checked offline only ' +
      '(every Cypher statement parsed and inspected in neo4j-cypher.test.ts). Set NEO4J_URI, NEO4J_USERNAME, ' +
      'NEO4J_PASSWORD (and NEO4J_DATABASE) to run them against a real server.\n',
  );
}

function contextFor(workspaceId: string): WorkspaceContext {
  return createWorkspaceContext({ organizationId: randomUUID(), workspaceId, scopes: [] });
}

describe.runIf(Boolean(uri))('neo4j graph store against a real server', () => {
  const driver = uri ? openNeo4jDriver({ uri, username: process.env.NEO4J_USERNAME ?? 'neo4j', password: process.env.NEO4J_PASSWORD }) : null;
  let store: GraphStore;
  let graph: GraphHarness;
  const alpha = contextFor(randomUUID());
  const beta = contextFor(randomUUID());
  const documents: Record<string, string> = {};

  beforeAll(async () => {
    store = createNeo4jGraphStore({ driver: driver!, database, embeddingDimensions: 128 });
    await store.initialize();
    graph = createGraphHarness(store);
    for (const name of fixtureNames) {
      documents[name] = await graph.indexFixture(alpha, name);
      await graph.indexFixture(beta, name);
    }
  });

  afterAll(async () => {
    if (!driver) return;
    // Remove only this run's groups.
    for (const context of [alpha, beta]) await store.clearWorkspaceGraph(context);
    expect(await store.counts(alpha)).toEqual({ episodes: 0, entities: 0, facts: 0 });
    await store.close();
  });

  it('resolves entities across documents into one node per group', async () => {
    const alphaNodes = await store.findEntitiesByName(alpha, 'northwind robotics');
    const betaNodes = await store.findEntitiesByName(beta, 'northwind robotics');
    expect(alphaNodes).toHaveLength(1);
    expect(betaNodes).toHaveLength(1);
    expect(alphaNodes[0]!.id).not.toBe(betaNodes[0]!.id);
  });

  it('invalidates the earlier leader and orders the timeline by valid time', async () => {
    const facts = (await getEntityTimeline(graph, alpha, 'Northwind Robotics')).facts;
    const maria = facts.find((fact) => fact.source.name === 'Maria Chen' && fact.relation === 'lead');
    const omar = facts.find((fact) => fact.source.name === 'Omar Haddad' && fact.relation === 'lead');
    expect(maria?.invalidAt).toBe('2024-01-01T00:00:00.000Z');
    expect(omar?.invalidAt).toBeNull();
    const dated = facts.filter((fact) => fact.validAt).map((fact) => fact.validAt!);
    expect(dated).toEqual([...dated].sort());
  });

  it('searches and traverses within the group only', async () => {
    const result = await graphSearch(graph, alpha, { query: 'Who leads Northwind Robotics?', limit: 10 });
    expect(result.facts.map((fact) => fact.source.name)).toContain('Omar Haddad');
    const alphaDocuments = new Set(Object.values(documents));
    expect(result.facts.every((fact) => fact.documentIds.every((id) => alphaDocuments.has(id)))).toBe(true);
    const relationships = await getEntityRelationships(graph, alpha, 'Helix Vision', 2);
    expect(relationships.entities.find((entity) => entity.name === 'Maria Chen')?.distance).toBe(2);
    const betaIds = new Set((await getEntityRelationships(graph, beta, 'Helix Vision', 2)).entities.map((entity) => entity.id));
    expect(relationships.entities.some((entity) => betaIds.has(entity.id))).toBe(false);
  });

  it('removes a document and undoes its invalidations, leaving the other group untouched', async () => {
    const betaBefore = await store.counts(beta);
    const removal = await graph.indexer.removeDocument(alpha, documents['northwind-2024-update.md']!);
    expect(removal.episodes).toBe(2);
    expect(await store.findEntitiesByName(alpha, 'omar haddad')).toEqual([]);
    const facts = (await getEntityTimeline(graph, alpha, 'Northwind Robotics')).facts;
    expect(facts.find((fact) => fact.source.name === 'Maria Chen' && fact.relation === 'lead')?.invalidAt).toBeNull();
    expect(await store.counts(beta)).toEqual(betaBefore);
  });
});
