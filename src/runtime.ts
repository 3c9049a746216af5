// Everything a process needs, opened once and passed down: config, logger, database, key pepper, embedder.
// There are no module-level singletons; commands and the server receive a Runtime.
import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import { openDatabase } from './db/open-database.ts';
import { createEmbedder } from './models/model-provider.ts';
import { ensureDeploymentEmbedder } from './ingestion/embedders/deployment-embedder.ts';
import type { DocumentListener } from './ingestion/document-events.ts';
import type { Embedder } from './ingestion/embedders/embedder.ts';
import { createConfiguredGraphIndexer, openGraphStore } from './graph/graph-services.ts';
import type { GraphStore } from './graph/graph-store.ts';
import type { Logger } from './logger.ts';
import { resolveKeyPepper } from './tenancy/key-pepper.ts';

export interface Runtime {
  config: Config;
  logger: Logger;
  database: Database;
  keyPepper: string;
  /** The deployment's embedder (EMBEDDER); checked at open against the one its chunks were embedded with. */
  embedder: Embedder;
  /** Told about stored and removed documents (the knowledge graph registers here); none when absent. */
  documentListeners?: readonly DocumentListener[];
  /** The knowledge graph store (GRAPH_BACKEND: postgres tables in `database`, or Neo4j). */
  graphStore: GraphStore;
  /** The embedded PGlite (not a DATABASE_URL server). */
  embedded: boolean;
  /** This process owns the embedded database (or uses a server); first-start set-up is its job. */
  isOwner: boolean;
  close(): Promise<void>;
}

export async function openRuntime(config: Config, logger: Logger): Promise<Runtime> {
  const keyPepper = await resolveKeyPepper(config);
  const embedder = createEmbedder(config);
  const { database, embedded, isOwner } = await openDatabase(config, (message) => logger.info(message));
  let graphStore: GraphStore;
  try {
    // Refuses an embedder other than the one this deployment's vectors came from.
    await ensureDeploymentEmbedder(database, embedder);
    graphStore = await openGraphStore(config, database, {
      embeddingDimensions: embedder.dimensions,
      warn: (message) => logger.warn(message),
    });
  } catch (error) {
    await database.close().catch(() => undefined);
    throw error;
  }
  return {
    config,
    logger,
    database,
    keyPepper,
    embedder,
    graphStore,
    // The knowledge graph indexes every stored document (ingest --no-graph passes no listeners).
    documentListeners: [createConfiguredGraphIndexer(config, graphStore, embedder)],
    embedded,
    isOwner,
    close: async () => {
      await graphStore.close().catch((error: unknown) => logger.warn(`Closing the graph store failed: ${String(error)}`));
      await database.close();
    },
  };
}
