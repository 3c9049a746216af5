// Two workspaces whose documents name the same entities: neither sees the other's entities, facts or
// episodes, and one workspace's search results and scores do not move when the other is flooded
// (invariant 3: per-workspace statistics, exact similarity).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { getEntityRelationships, getEntityTimeline, graphSearch } from '../../src/graph/graph-search.ts';
import type { WorkspaceContext } from '../../src/tenancy/workspace-context.ts';
import { createTestDatabase, createTestTenant } from '../helpers/database.ts';
import { documentFromText, fixtureNames } from './helpers/graph-fixtures.ts';
import { createPostgresGraphHarness, type GraphHarness } from './helpers/graph-harness.ts';

const queries = ['Who leads Northwind Robotics?', 'Where is Globex Logistics headquartered?', 'Helix Vision cameras'];

describe('graph isolation between workspaces', () => {
  let database: Database;
  let graph: GraphHarness;
  let alpha: WorkspaceContext;
  let beta: WorkspaceContext;
  const alphaDocuments: string[] = [];
  const betaDocuments: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    graph = createPostgresGraphHarness(database);
    alpha = await createTestTenant(database);
    beta = await createTestTenant(database);
    for (const name of fixtureNames) {
      alphaDocuments.push(await graph.indexFixture(alpha, name));
      betaDocuments.push(await graph.indexFixture(beta, name));
    }
    const secret = documentFromText('beta-secret.md', 'In 2025, Northwind Robotics acquired Zeta Labs. Omar Haddad leads Zeta Labs.');
    await graph.indexer.documentStored(beta, secret.document, secret.chunks);
    betaDocuments.push(secret.document.id);
  });
  afterAll(() => database.close());

  it('gives each workspace its own nodes for the same names', async () => {
    const [alphaNode] = await graph.store.findEntitiesByName(alpha, 'northwind robotics');
    const [betaNode] = await graph.store.findEntitiesByName(beta, 'northwind robotics');
    expect(alphaNode && betaNode && alphaNode.id !== betaNode.id).toBe(true);
    expect(await graph.store.findEntitiesByName(alpha, 'zeta labs')).toEqual([]);
    expect((await graph.store.counts(alpha)).facts).toBeLessThan((await graph.store.counts(beta)).facts);
  });

  it('returns only the workspace’s own facts, entities and documents from every read', async () => {
    const betaEntityIds = new Set<string>();
    for (const name of ['northwind robotics', 'omar haddad', 'globex logistics', 'helix vision']) {
      for (const entity of await graph.store.findEntitiesByName(beta, name)) betaEntityIds.add(entity.id);
    }
    const reads = [
      ...(await Promise.all(queries.map((query) => graphSearch(graph, alpha, { query, limit: 20 })))).flatMap((result) => [
        ...result.facts,
      ]),
      ...(await getEntityRelationships(graph, alpha, 'Northwind Robotics', 3)).facts,
      ...(await getEntityTimeline(graph, alpha, 'Omar Haddad')).facts,
    ];
    expect(reads.length).toBeGreaterThan(10);
    for (const fact of reads) {
      expect(fact.documentIds.every((id) => alphaDocuments.includes(id))).toBe(true);
      expect(betaEntityIds.has(fact.source.id) || betaEntityIds.has(fact.target.id)).toBe(false);
      expect(fact.target.name).not.toBe('Zeta Labs');
    }
    const reached = await getEntityRelationships(graph, alpha, 'Northwind Robotics', 3);
    expect(reached.entities.map((entity) => entity.name)).not.toContain('Zeta Labs');
    expect((await getEntityRelationships(graph, alpha, 'Zeta Labs', 1)).entity).toBeNull();
  });

  it('ignores another workspace’s document ids on removal', async () => {
    const before = await graph.store.counts(alpha);
    const removal = await graph.indexer.removeDocument(beta, alphaDocuments[0]!);
    expect(removal).toEqual({ episodes: 0, facts: 0, entities: 0 });
    expect(await graph.store.counts(alpha)).toEqual(before);
    expect(await graph.store.episodeIdsOfDocument(beta, alphaDocuments[0]!)).toEqual([]);
  });

  it('keeps search results and scores identical while another workspace is flooded', async () => {
    const before = await Promise.all(queries.map((query) => graphSearch(graph, alpha, { query, limit: 10 })));
    for (let index = 0; index < 30; index += 1) {
      const flood = documentFromText(
        `flood-${index}.md`,
        `Northwind Robotics hired Engineer${index} Smith in ${2000 + index}. Globex Logistics is headquartered in Hamburg and leads Northwind Robotics. ` +
          `Helix Vision builds cameras for Partner${index} Logistics.`,
      );
      await graph.indexer.documentStored(beta, flood.document, flood.chunks);
    }
    const after = await Promise.all(queries.map((query) => graphSearch(graph, alpha, { query, limit: 10 })));
    expect(after).toEqual(before);
    expect(before.every((result) => result.facts.length > 0)).toBe(true);
  });

  it('clears one workspace’s whole graph and nothing of the other', async () => {
    const before = await graph.store.counts(alpha);
    const removal = await graph.store.clearWorkspaceGraph(beta);
    expect(removal.facts).toBeGreaterThan(0);
    expect(await graph.store.counts(beta)).toEqual({ episodes: 0, entities: 0, facts: 0 });
    expect(await graph.store.counts(alpha)).toEqual(before);
  });
});
