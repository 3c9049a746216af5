// The neo4j graph backend: one Neo4j database, every node and relationship carrying the workspace's
// group_id, every statement built by groupScopedCypher (cypher-statements.ts) and run through
// `runScoped`, which accepts nothing else. Similarity and BM25 are computed exactly within the group.
import neo4j, { type Driver, type ManagedTransaction } from 'neo4j-driver';
import { graphUnavailable } from '../../errors.ts';
import type { WorkspaceContext } from '../../tenancy/workspace-context.ts';
import { requireGraphGroup } from '../graph-group.ts';
import type { DocumentGraphWrite, GraphStore, RemovalResult, Traversal } from '../graph-store.ts';
import type { EntityRecord, EntityType, EntityView, FactRecord, FactView } from '../model.ts';
import { bm25Score } from '../../search/text-analysis.ts';
import { analyzeTerms } from '../text-terms.ts';
import { cypherStatements } from './cypher-statements.ts';
import { isGroupScopedStatement, type GroupScopedStatement } from './group-scoped-cypher.ts';
import { schemaStatements } from './neo4j-schema.ts';

export interface Neo4jConnection {
  uri: string;
  username: string;
  password: string | undefined;
}

export interface Neo4jGraphStoreOptions {
  driver: Driver;
  database: string;
  /** The embedder's dimension, for the vector indexes (omitted: no vector indexes). */
  embeddingDimensions?: number;
  warn?: (message: string) => void;
}

type Row = Record<string, unknown>;

/** Integers come back as numbers, not Integer objects (counts and positions here are small). */
export function openNeo4jDriver(connection: Neo4jConnection): Driver {
  return neo4j.driver(connection.uri, neo4j.auth.basic(connection.username, connection.password ?? ''), {
    disableLosslessIntegers: true,
    // An unreachable Neo4j is reported within seconds (chat then answers from search alone),
    // not after the driver's default 30 s of retries.
    connectionTimeout: 5_000,
    maxTransactionRetryTime: 5_000,
  });
}

function toNumber(value: unknown): number {
  return neo4j.isInt(value) ? (value as { toNumber(): number }).toNumber() : Number(value);
}

function toIso(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const date = new Date(String(value));
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

function toEntityRecord(row: Row): EntityRecord {
  return {
    id: String(row.id),
    name: String(row.name),
    normalizedName: String(row.normalized_name),
    type: row.entity_type as EntityType,
    summary: String(row.summary ?? ''),
    aliases: (row.aliases as string[] | null) ?? [],
  };
}

const toEntityView = (row: Row): EntityView => {
  const record = toEntityRecord(row);
  return { id: record.id, name: record.name, type: record.type, summary: record.summary };
};

function toFactRecord(row: Row): FactRecord {
  return {
    id: String(row.id),
    sourceEntityId: String(row.source_id),
    targetEntityId: String(row.target_id),
    relation: String(row.relation),
    fact: String(row.fact),
    validAt: toIso(row.valid_at),
    invalidAt: toIso(row.invalid_at),
    createdAt: toIso(row.created_at) ?? new Date(0).toISOString(),
    expiredAt: toIso(row.expired_at),
    invalidatedByFactId: (row.invalidated_by as string | null) ?? null,
  };
}

function toFactView(row: Row): FactView {
  const record = toFactRecord(row);
  return {
    id: record.id,
    relation: record.relation,
    fact: record.fact,
    source: { id: record.sourceEntityId, name: String(row.source_name), type: row.source_type as EntityType },
    target: { id: record.targetEntityId, name: String(row.target_name), type: row.target_type as EntityType },
    validAt: record.validAt,
    invalidAt: record.invalidAt,
    createdAt: record.createdAt,
    expiredAt: record.expiredAt,
    documentIds: [...((row.document_ids as string[] | null) ?? [])].sort(),
  };
}

function orderLike<T extends { id: string }>(items: T[], ids: string[]): T[] {
  const byId = new Map(items.map((item) => [item.id, item]));
  return ids.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : []));
}

/** Name words for name-token search: the normalised name's and its aliases'. */
function nameTokens(names: string[]): string[] {
  return [...new Set(names.flatMap((name) => name.split(' ')).filter(Boolean))];
}

export function createNeo4jGraphStore(options: Neo4jGraphStoreOptions): GraphStore {
  const { driver, database } = options;
  const warn = options.warn ?? ((message: string) => console.warn(message));

  /** The only place Cypher reaches the driver: group-scoped statements, in a transaction. */
  async function runScoped(transaction: ManagedTransaction, statement: GroupScopedStatement): Promise<Row[]> {
    if (!isGroupScopedStatement(statement)) throw new Error('Only group-scoped statements may run against Neo4j');
    const result = await transaction.run(statement.cypher, statement.parameters);
    return result.records.map((record) => record.toObject() as Row);
  }

  async function inTransaction<T>(mode: 'read' | 'write', work: (transaction: ManagedTransaction) => Promise<T>): Promise<T> {
    const session = driver.session({ database, defaultAccessMode: mode === 'read' ? neo4j.session.READ : neo4j.session.WRITE });
    try {
      return mode === 'read' ? await session.executeRead(work) : await session.executeWrite(work);
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      if (code === 'ServiceUnavailable' || code === 'SessionExpired') {
        throw graphUnavailable(`The Neo4j graph store is unavailable: ${(error as Error).message}`);
      }
      throw error;
    } finally {
      await session.close();
    }
  }

  async function removeEpisodes(transaction: ManagedTransaction, context: WorkspaceContext, episodeIds: string[]): Promise<RemovalResult> {
    if (episodeIds.length === 0) return { episodes: 0, facts: 0, entities: 0 };
    const mentioned = await runScoped(transaction, cypherStatements.entitiesMentionedBy(context, episodeIds));
    const detached = await runScoped(transaction, cypherStatements.detachFactsFromEpisodes(context, episodeIds));
    const [deletedEpisodes] = await runScoped(transaction, cypherStatements.deleteEpisodes(context, episodeIds));
    const deletedFacts = await runScoped(
      transaction,
      cypherStatements.deleteUnsupportedFacts(
        context,
        detached.map((row) => String(row.id)),
      ),
    );
    const deletedFactIds = deletedFacts.map((row) => String(row.id));
    if (deletedFactIds.length > 0) await runScoped(transaction, cypherStatements.restoreFactsInvalidatedBy(context, deletedFactIds));
    const candidates = new Set([
      ...mentioned.map((row) => String(row.id)),
      ...deletedFacts.flatMap((row) => [String(row.source_id), String(row.target_id)]),
    ]);
    const [deletedEntities] = await runScoped(transaction, cypherStatements.deleteOrphanEntities(context, [...candidates]));
    return {
      episodes: toNumber(deletedEpisodes?.deleted ?? 0),
      facts: deletedFactIds.length,
      entities: toNumber(deletedEntities?.deleted ?? 0),
    };
  }

  async function writeDocument(transaction: ManagedTransaction, context: WorkspaceContext, write: DocumentGraphWrite) {
    const now = new Date().toISOString();
    if (write.entityUpdates.length > 0) {
      await runScoped(
        transaction,
        cypherStatements.updateEntities(
          context,
          write.entityUpdates.map((update) => ({ ...update, nameTokens: nameTokens(update.aliases) })),
          now,
        ),
      );
    }
    const entityIds = new Map<string, string>();
    if (write.newEntities.length > 0) {
      const rows = await runScoped(
        transaction,
        cypherStatements.mergeEntities(
          context,
          write.newEntities.map((entity) => ({
            ...entity,
            nameTokens: nameTokens([entity.normalizedName, ...entity.aliases]),
          })),
          now,
        ),
      );
      for (const row of rows) entityIds.set(String(row.requested_id), String(row.id));
    }
    const mapEntity = (id: string) => entityIds.get(id) ?? id;
    if (write.episodes.length > 0) await runScoped(transaction, cypherStatements.createEpisodes(context, write.episodes, now));
    if (write.mentions.length > 0) {
      await runScoped(
        transaction,
        cypherStatements.createMentions(
          context,
          write.mentions.map((mention) => ({ ...mention, entityId: mapEntity(mention.entityId) })),
        ),
      );
    }
    if (write.facts.length > 0) {
      await runScoped(
        transaction,
        cypherStatements.createFacts(
          context,
          write.facts.map((fact) => ({
            id: fact.id,
            sourceId: mapEntity(fact.sourceEntityId),
            targetId: mapEntity(fact.targetEntityId),
            relation: fact.relation,
            fact: fact.fact,
            terms: fact.terms,
            embedder: fact.embedder,
            factEmbedding: fact.factEmbedding,
            validAt: fact.validAt,
            invalidAt: fact.invalidAt,
            createdAt: fact.createdAt,
            expiredAt: fact.expiredAt,
            invalidatedBy: fact.invalidatedByFactId,
          })),
        ),
      );
    }
    if (write.supports.length > 0) await runScoped(transaction, cypherStatements.addSupports(context, write.supports));
    if (write.invalidations.length > 0) await runScoped(transaction, cypherStatements.invalidateFacts(context, write.invalidations));
    const stale = await runScoped(
      transaction,
      cypherStatements.episodesOfDocument(
        context,
        write.documentId,
        write.episodes.map((episode) => episode.id),
      ),
    );
    await removeEpisodes(
      transaction,
      context,
      stale.map((row) => String(row.id)),
    );
    return { entityIds };
  }

  async function factViews(transaction: ManagedTransaction, context: WorkspaceContext, factIds: string[]): Promise<FactView[]> {
    if (factIds.length === 0) return [];
    return (await runScoped(transaction, cypherStatements.factViews(context, factIds))).map(toFactView);
  }

  async function factsByText(transaction: ManagedTransaction, context: WorkspaceContext, text: string, limit: number, currentOnly: boolean) {
    const terms = analyzeTerms(text);
    if (terms.length === 0) return [];
    const uniqueTerms = [...new Set(terms)];
    const statistics = await runScoped(transaction, cypherStatements.groupTextStatistics(context, uniqueTerms));
    const candidates = await runScoped(transaction, cypherStatements.factsContainingTerms(context, uniqueTerms, currentOnly));
    const corpus = {
      documentCount: toNumber(statistics[0]?.fact_count ?? 0),
      averageLength: Number(statistics[0]?.average_length ?? 0),
      documentFrequency: new Map(statistics.map((row) => [String(row.term), toNumber(row.document_frequency)])),
    };
    return candidates
      .map((row) => ({ id: String(row.id), score: bm25Score(terms, row.terms as string[], corpus) }))
      .sort((left, right) => right.score - left.score || (left.id < right.id ? -1 : 1))
      .slice(0, limit)
      .map((entry) => entry.id);
  }

  async function traverse(context: WorkspaceContext, startEntityIds: string[], depth: number, factLimit: number): Promise<Traversal> {
    return inTransaction('read', async (transaction) => {
      const distance = new Map<string, number>();
      let frontier = (await runScoped(transaction, cypherStatements.entityViews(context, startEntityIds))).map((row) => String(row.id));
      frontier.forEach((id) => distance.set(id, 0));
      for (let hop = 1; hop <= depth && frontier.length > 0; hop += 1) {
        const next = (await runScoped(transaction, cypherStatements.neighbours(context, frontier)))
          .map((row) => String(row.id))
          .filter((id) => !distance.has(id));
        next.forEach((id) => distance.set(id, hop));
        frontier = next;
      }
      const reached = [...distance.keys()];
      const inner = reached.filter((id) => distance.get(id)! < depth);
      const rows = reached.length === 0 ? [] : await runScoped(transaction, cypherStatements.factsAmong(context, inner, reached));
      const ranked = rows
        .map((row) => ({
          id: String(row.id),
          hops: Math.min(distance.get(String(row.source_id))!, distance.get(String(row.target_id))!),
          time: String(row.time ?? ''),
        }))
        .sort((left, right) => left.hops - right.hops || (left.time < right.time ? -1 : left.time > right.time ? 1 : left.id < right.id ? -1 : 1))
        .slice(0, factLimit)
        .map((entry) => entry.id);
      const entities = (await runScoped(transaction, cypherStatements.entityViews(context, reached)))
        .map((row) => ({ ...toEntityView(row), distance: distance.get(String(row.id))! }))
        .sort((left, right) => left.distance - right.distance || left.name.localeCompare(right.name) || (left.id < right.id ? -1 : 1));
      return { entities, facts: orderLike(await factViews(transaction, context, ranked), ranked) };
    });
  }

  return {
    backend: 'neo4j',
    async initialize() {
      await driver.verifyConnectivity({ database });
      for (const statement of schemaStatements(options.embeddingDimensions)) {
        try {
          await driver.executeQuery(statement.cypher, {}, { database, routing: neo4j.routing.WRITE });
        } catch (error) {
          if (!statement.optional) throw error;
          warn(`Neo4j: could not create ${statement.name} (needs Neo4j 5.18+): ${(error as Error).message}`);
        }
      }
    },
    close: () => driver.close(),

    findEntityCandidates: (context, query) =>
      inTransaction('read', async (transaction) => {
        const byName =
          query.normalizedNames.length === 0
            ? []
            : (await runScoped(transaction, cypherStatements.entitiesByNormalizedNames(context, query.normalizedNames))).map(toEntityRecord);
        const bySimilarity: Array<Array<{ entity: EntityRecord; similarity: number }>> = query.embeddings.map(() => []);
        if (query.embeddings.length > 0) {
          const rows = await runScoped(
            transaction,
            cypherStatements.entitiesBySimilarity(context, query.embeddings, query.embedder, query.limitPerEmbedding),
          );
          // Neo4j's cosine is (1 + cos) / 2; the interface speaks plain cosine.
          for (const row of rows) {
            bySimilarity[toNumber(row.query_index)]?.push({ entity: toEntityRecord(row), similarity: 2 * Number(row.score) - 1 });
          }
        }
        return { byName, bySimilarity };
      }),
    findFactsTouching: async (context, entityIds) => {
      requireGraphGroup(context);
      if (entityIds.length === 0) return [];
      return inTransaction('read', async (transaction) =>
        (await runScoped(transaction, cypherStatements.factsTouching(context, entityIds))).map((row) => ({
          ...toFactRecord(row),
          sourceName: String(row.source_name),
          targetName: String(row.target_name),
        })),
      );
    },
    writeDocumentGraph: (context, write) => inTransaction('write', (transaction) => writeDocument(transaction, context, write)),
    removeDocument: (context, documentId) =>
      inTransaction('write', async (transaction) => {
        const rows = await runScoped(transaction, cypherStatements.episodesOfDocument(context, documentId, []));
        return removeEpisodes(
          transaction,
          context,
          rows.map((row) => String(row.id)),
        );
      }),
    clearWorkspaceGraph: (context) =>
      inTransaction('write', async (transaction) => {
        const [facts] = await runScoped(transaction, cypherStatements.deleteGroupFacts(context));
        const [episodes] = await runScoped(transaction, cypherStatements.deleteGroupNodes(context, 'Episode'));
        const [entities] = await runScoped(transaction, cypherStatements.deleteGroupNodes(context, 'Entity'));
        return {
          episodes: toNumber(episodes?.deleted ?? 0),
          facts: toNumber(facts?.deleted ?? 0),
          entities: toNumber(entities?.deleted ?? 0),
        };
      }),

    searchCandidates: (context, query) =>
      inTransaction('read', async (transaction) => ({
        factsByText: await factsByText(transaction, context, query.text, query.limit, query.currentOnly),
        factsByEmbedding: (
          await runScoped(transaction, cypherStatements.factsBySimilarity(context, query.embedding, query.embedder, query.limit, query.currentOnly))
        ).map((row) => String(row.id)),
        entitiesByName:
          query.nameTokens.length === 0
            ? []
            : (await runScoped(transaction, cypherStatements.entitiesByNameTokens(context, query.nameTokens))).map(toEntityRecord),
        entitiesByEmbedding: (
          await runScoped(transaction, cypherStatements.entitiesByEmbedding(context, query.embedding, query.embedder, Math.min(query.limit, 10)))
        ).map((row) => ({ entity: toEntityRecord(row), similarity: 2 * Number(row.score) - 1 })),
      })),
    loadNeighbourhood: (context, query) =>
      inTransaction('read', async (transaction) => {
        const around =
          query.entityIds.length === 0
            ? []
            : (await runScoped(transaction, cypherStatements.factIdsAround(context, query.entityIds, query.perEntityLimit, query.currentOnly))).map(
                (row) => String(row.id),
              );
        const entities =
          query.entityIds.length === 0 ? [] : (await runScoped(transaction, cypherStatements.entityViews(context, query.entityIds))).map(toEntityView);
        return {
          entities: orderLike(entities, query.entityIds),
          facts: await factViews(transaction, context, [...new Set([...query.factIds, ...around])]),
        };
      }),
    findEntitiesByName: (context, normalizedName) =>
      inTransaction('read', async (transaction) =>
        (await runScoped(transaction, cypherStatements.entitiesNamed(context, normalizedName))).map(toEntityView),
      ),
    traverse: async (context, startEntityIds, depth, factLimit) => {
      requireGraphGroup(context);
      return startEntityIds.length === 0 ? { entities: [], facts: [] } : traverse(context, startEntityIds, depth, factLimit);
    },
    timeline: async (context, entityIds, limit) => {
      requireGraphGroup(context);
      if (entityIds.length === 0) return [];
      return inTransaction('read', async (transaction) => {
        const ids = (await runScoped(transaction, cypherStatements.timeline(context, entityIds, limit))).map((row) => String(row.id));
        return orderLike(await factViews(transaction, context, ids), ids);
      });
    },
    counts: (context) =>
      inTransaction('read', async (transaction) => {
        const [row] = await runScoped(transaction, cypherStatements.counts(context));
        return { episodes: toNumber(row?.episodes ?? 0), entities: toNumber(row?.entities ?? 0), facts: toNumber(row?.facts ?? 0) };
      }),
    episodeIdsOfDocument: (context, documentId) =>
      inTransaction('read', async (transaction) =>
        (await runScoped(transaction, cypherStatements.episodesOfDocument(context, documentId, []))).map((row) => String(row.id)),
      ),
  };
}
