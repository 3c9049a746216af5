// The postgres graph backend end to end on real PGlite: indexing the sample documents, entity
// resolution across documents, invalidation by newer facts, deletion and replacement of documents,
// search, relationships and timelines, and row-level security underneath.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { withWorkspace } from '../../src/db/workspace-scope.ts';
import { getEntityRelationships, getEntityTimeline, graphSearch } from '../../src/graph/graph-search.ts';
import type { FactView } from '../../src/graph/model.ts';
import type { WorkspaceContext } from '../../src/tenancy/workspace-context.ts';
import { createTestDatabase, createTestTenant } from '../helpers/database.ts';
import { documentFromText } from './helpers/graph-fixtures.ts';
import { createPostgresGraphHarness, type GraphHarness } from './helpers/graph-harness.ts';
import { createTestEmbedder } from './helpers/test-embedder.ts';

const describeFact = (fact: FactView) => `${fact.source.name} -[${fact.relation}]-> ${fact.target.name}`;

describe('postgres graph store', () => {
  let database: Database;
  let context: WorkspaceContext;
  let graph: GraphHarness;
  const documents: Record<string, string> = {};

  async function timelineOf(name: string) {
    return (await getEntityTimeline(graph, context, name)).facts;
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    context = await createTestTenant(database);
    graph = createPostgresGraphHarness(database);
    for (const name of ['northwind-profile.md', 'globex-news.md', 'northwind-2024-update.md']) {
      documents[name] = await graph.indexFixture(context, name);
    }
  });
  afterAll(() => database.close());

  it('stores an episode per chunk and one node per entity across documents', async () => {
    expect(await graph.store.episodeIdsOfDocument(context, documents['northwind-profile.md']!)).toHaveLength(3);
    const northwind = await graph.store.findEntitiesByName(context, 'northwind robotics');
    expect(northwind).toHaveLength(1);
    expect(northwind[0]).toMatchObject({ name: 'Northwind Robotics', type: 'organization' });
    // Untyped in the news item ("buys the Atlas Picker"), typed in the profile: still one node.
    expect(await graph.store.findEntitiesByName(context, 'atlas picker')).toEqual([expect.objectContaining({ type: 'product' })]);
    const { rows } = await withWorkspace(database, context, (transaction) =>
      transaction.query<{ count: number }>(
        `SELECT count(*)::integer AS count FROM graph_entities WHERE workspace_id = $1 AND normalized_name = 'tomas berg'`,
        [context.workspaceId],
      ),
    );
    expect(rows[0]?.count).toBe(1);
  });

  it('resolves differently written names to one entity and records the alias', async () => {
    const { document, chunks } = documentFromText('acme-note.md', 'Northwind Robotics Inc. hired Lena Park in 2025.');
    await graph.indexer.documentStored(context, document, chunks);
    expect(await graph.store.findEntitiesByName(context, 'northwind robotics')).toHaveLength(1);
    const facts = await timelineOf('Lena Park');
    expect(facts.map(describeFact)).toEqual(['Northwind Robotics -[hire]-> Lena Park']);
    // A near-identical spelling resolves through name-embedding similarity and becomes an alias.
    const typo = documentFromText('typo.md', 'Northwind Robotic hired Jonas Weber in 2025.');
    await graph.indexer.documentStored(context, typo.document, typo.chunks);
    const resolved = await graph.store.findEntitiesByName(context, 'northwind robotic');
    expect(resolved.map((entity) => entity.name)).toEqual(['Northwind Robotics']);
    await graph.indexer.documentRemoved(context, document.id);
    await graph.indexer.documentRemoved(context, typo.document.id);
    expect(await graph.store.findEntitiesByName(context, 'lena park')).toEqual([]);
  });

  it('keeps entity and fact vectors uncompressed in their rows, and still takes vectors too wide for a page', async () => {
    // A sparse hashed vector is what pglz compresses well, and what every comparison then had to expand.
    const storage = async (tenant: WorkspaceContext) =>
      (
        await withWorkspace(database, tenant, (transaction) =>
          transaction.query<{ kind: string; rows: number; compressed: number; inline: number }>(
            `SELECT 'entity' AS kind, count(*)::integer AS rows,
                    count(pg_column_compression(name_embedding))::integer AS compressed,
                    count(*) FILTER (WHERE pg_column_size(name_embedding) = 8 + 4 * vector_dims(name_embedding))::integer AS inline
             FROM graph_entities WHERE workspace_id = $1
             UNION ALL
             SELECT 'fact', count(*)::integer, count(pg_column_compression(fact_embedding))::integer,
                    count(*) FILTER (WHERE pg_column_size(fact_embedding) = 8 + 4 * vector_dims(fact_embedding))::integer
             FROM graph_facts WHERE workspace_id = $1`,
            [tenant.workspaceId],
          ),
        )
      ).rows;
    const storedBy = async (dimensions: number) => {
      const tenant = await createTestTenant(database);
      await createPostgresGraphHarness(database, createTestEmbedder(dimensions)).indexFixture(tenant, 'northwind-profile.md');
      return storage(tenant);
    };
    for (const row of await storedBy(1024)) {
      expect(row.rows, row.kind).toBeGreaterThan(0);
      expect(row, row.kind).toEqual({ kind: row.kind, rows: row.rows, compressed: 0, inline: row.rows });
    }
    // 3,072 dimensions (12 KB) cannot stay whole in an 8 KB page: stored compressed or out of line, not refused.
    for (const row of await storedBy(3072)) {
      expect(row.rows, row.kind).toBeGreaterThan(0);
      expect(row.inline, row.kind).toBe(0);
    }
  });

  it('invalidates contradicted facts instead of deleting them', async () => {
    const facts = await timelineOf('Northwind Robotics');
    const maria = facts.find((fact) => describeFact(fact) === 'Maria Chen -[lead]-> Northwind Robotics');
    const omar = facts.find((fact) => describeFact(fact) === 'Omar Haddad -[lead]-> Northwind Robotics');
    expect(omar).toMatchObject({ validAt: '2024-01-01T00:00:00.000Z', invalidAt: null, expiredAt: null });
    expect(maria).toMatchObject({ invalidAt: '2024-01-01T00:00:00.000Z' });
    expect(maria?.expiredAt).not.toBeNull();
    const rotterdam = facts.find((fact) => describeFact(fact) === 'Northwind Robotics -[based in]-> Rotterdam');
    expect(rotterdam?.invalidAt).toBe('2024-01-01T00:00:00.000Z');
    // Inside one document: the dated move to Globex ends the undated job at Siemens.
    const tomas = await timelineOf('Tomas Berg');
    expect(tomas.find((fact) => fact.target.name === 'Siemens')?.invalidAt).toBe('2023-03-01T00:00:00.000Z');
    expect(tomas.find((fact) => fact.target.name === 'Globex Logistics')?.invalidAt).toBeNull();
  });

  it('orders a timeline by valid time, with provenance', async () => {
    const facts = await timelineOf('Northwind Robotics');
    const dated = facts.filter((fact) => fact.validAt !== null).map((fact) => fact.validAt!);
    expect(dated).toEqual([...dated].sort());
    expect(dated[0]).toBe('2014-01-01T00:00:00.000Z');
    const acquisition = facts.find((fact) => fact.relation === 'acquire');
    expect(acquisition?.documentIds).toEqual([documents['northwind-profile.md']]);
  });

  it('searches facts by text, embedding and the neighbourhood of named entities', async () => {
    const result = await graphSearch(graph, context, { query: 'Who leads Northwind Robotics?', limit: 5 });
    expect(result.entities.map((entity) => entity.name)).toContain('Northwind Robotics');
    const found = result.facts.map(describeFact);
    expect(found).toContain('Omar Haddad -[lead]-> Northwind Robotics');
    expect(found).toContain('Maria Chen -[lead]-> Northwind Robotics');
    expect(result.facts[0]!.matchedBy).toEqual(expect.arrayContaining(['text', 'embedding']));
    expect(result.facts.every((fact) => fact.documentIds.length > 0)).toBe(true);
    const current = await graphSearch(graph, context, { query: 'Who leads Northwind Robotics?', limit: 5, currentOnly: true });
    expect(current.facts.map(describeFact)).not.toContain('Maria Chen -[lead]-> Northwind Robotics');
    expect(current.facts.every((fact) => fact.invalidAt === null)).toBe(true);
    await expect(graphSearch(graph, context, { query: '  ' })).rejects.toMatchObject({ code: 'validation_error' });
    // No words at all: no text match and no direction in vector space, so no facts (not NaN-ranked ones).
    expect((await graphSearch(graph, context, { query: '?!' })).facts).toEqual([]);
    await expect(graphSearch(graph, context, { query: 'x', limit: 0 })).rejects.toMatchObject({ code: 'validation_error' });
  });

  it('walks relationships to the requested depth', async () => {
    const one = await getEntityRelationships(graph, context, 'Helix Vision', 1);
    expect(one.entity?.name).toBe('Helix Vision');
    expect(one.entities.filter((entity) => entity.distance === 1).map((entity) => entity.name)).toEqual(
      expect.arrayContaining(['Northwind Robotics', 'Lyon', 'Globex Logistics', 'camera system']),
    );
    expect(Math.max(...one.entities.map((entity) => entity.distance))).toBe(1);
    const two = await getEntityRelationships(graph, context, 'Helix Vision', 2);
    const maria = two.entities.find((entity) => entity.name === 'Maria Chen');
    expect(maria?.distance).toBe(2);
    expect(two.facts.length).toBeGreaterThan(one.facts.length);
    // A partial name finds the entity it names.
    expect((await getEntityRelationships(graph, context, 'Helix', 1)).entity?.name).toBe('Helix Vision');
    expect((await getEntityRelationships(graph, context, 'Nobody Known', 1)).entity).toBeNull();
    await expect(getEntityRelationships(graph, context, 'Helix Vision', 4)).rejects.toMatchObject({ code: 'validation_error' });
  });

  it('replacing a document keeps the facts it restates and drops the ones it no longer states', async () => {
    const before = await timelineOf('Globex Logistics');
    const join = before.find((fact) => fact.relation === 'join')!;
    const edited = 'In March 2023, Tomas Berg joined Globex Logistics as head of engineering. Globex Logistics is headquartered in Hamburg.';
    const { document, chunks } = documentFromText('globex-news.md', edited, documents['globex-news.md']);
    await graph.indexer.documentStored(context, document, chunks);
    const after = await timelineOf('Globex Logistics');
    expect(after.find((fact) => fact.relation === 'join')?.id).toBe(join.id);
    expect(after.map((fact) => fact.target.name)).not.toContain('Helix Vision');
    expect(await graph.store.findEntitiesByName(context, 'anna kowalski')).toEqual([]);
    expect(await graph.store.episodeIdsOfDocument(context, document.id)).toHaveLength(1);
  });

  it('removing a document removes its episodes, the facts only it supported and orphaned entities, and undoes its invalidations', async () => {
    const before = await graph.store.counts(context);
    const removal = await graph.indexer.removeDocument(context, documents['northwind-2024-update.md']!);
    expect(removal.episodes).toBe(2);
    expect(removal.facts).toBeGreaterThan(0);
    expect(await graph.store.findEntitiesByName(context, 'omar haddad')).toEqual([]);
    expect(await graph.store.findEntitiesByName(context, 'amsterdam')).toEqual([]);
    expect(await graph.store.findEntitiesByName(context, 'northwind robotics')).toHaveLength(1);
    const facts = await timelineOf('Northwind Robotics');
    expect(facts.find((fact) => describeFact(fact) === 'Maria Chen -[lead]-> Northwind Robotics')).toMatchObject({
      invalidAt: null,
      expiredAt: null,
    });
    expect(facts.find((fact) => describeFact(fact) === 'Northwind Robotics -[based in]-> Rotterdam')?.invalidAt).toBeNull();
    const after = await graph.store.counts(context);
    expect(after.episodes).toBe(before.episodes - 2);
    expect(after.facts).toBe(before.facts - removal.facts);
    expect(after.entities).toBe(before.entities - removal.entities);
  });

  it('keeps graph rows behind row-level security', async () => {
    const other = await createTestTenant(database);
    const visible = await withWorkspace(database, other, (transaction) =>
      transaction.query<{ count: number }>(
        `SELECT (SELECT count(*) FROM graph_entities) + (SELECT count(*) FROM graph_facts) + (SELECT count(*) FROM graph_episodes)
           + (SELECT count(*) FROM graph_fact_terms) + (SELECT count(*) FROM graph_fact_episodes)
           + (SELECT count(*) FROM graph_entity_episodes) AS count`,
      ),
    );
    expect(Number(visible.rows[0]?.count)).toBe(0);
    await expect(
      withWorkspace(database, other, (transaction) =>
        transaction.query(
          `INSERT INTO graph_entities (workspace_id, id, name, normalized_name, entity_type) VALUES ($1, gen_random_uuid(), 'x', 'x', 'other')`,
          [context.workspaceId],
        ),
      ),
    ).rejects.toThrow(/row-level security/);
  });

  it('refuses a context without a graph group', async () => {
    const withoutGroup = { ...context, graphGroup: '' };
    await expect(graph.store.counts(withoutGroup)).rejects.toMatchObject({ code: 'validation_error' });
    await expect(graphSearch(graph, withoutGroup, { query: 'Northwind' })).rejects.toMatchObject({ code: 'validation_error' });
  });
});
