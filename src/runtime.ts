// Everything a process needs, opened once and passed down: config, logger, database, key pepper,
// and for the commands that search, ingest or chat, the embedder and the knowledge graph.
// There are no module-level singletons; commands and the server receive a Runtime.
//
// This module loads no service code at import time: the embedder and the graph (LangChain,
// compromise, the Neo4j driver) are imported by openRuntime, so commands that only manage
// tenants (`ragspace org list`) never load them.
import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import { openDatabase } from './db/open-database.ts';
import type { DocumentListener } from './ingestion/document-events.ts';
import type { Embedder } from './ingestion/embedders/embedder.ts';
import type { GraphStore } from './graph/graph-store.ts';
import type { Logger } from './logger.ts';
import { resolveKeyPepper } from './tenancy/key-pepper.ts';

/** The control plane's share of a Runtime: enough for organizations, workspaces and keys. */
export interface ControlRuntime {
  config: Config;
  logger: Logger;
  database: Database;
  keyPepper: string;
  /** The embedded PGlite (not a DATABASE_URL server). */
  embedded: boolean;
  /** This process owns the embedded database (or uses a server); first-start set-up is its job. */
  isOwner: boolean;
  close(): Promise<void>;
}

export interface Runtime extends ControlRuntime {
  /** The deployment's embedder (EMBEDDER); checked at open against the one its chunks were embedded with. */
  embedder: Embedder;
  /** Told about stored and removed documents (the knowledge graph registers here); none when absent. */
  documentListeners?: readonly DocumentListener[];
  /** The knowledge graph store (GRAPH_BACKEND: postgres tables in `database`, or Neo4j). */
  graphStore: GraphStore;
}

export async function openControlRuntime(config: Config, logger: Logger): Promise<ControlRuntime> {
  const keyPepper = await resolveKeyPepper(config);
  const { database, embedded, isOwner } = await openDatabase(config, (message) => logger.info(message));
  return { config, logger, database, keyPepper, embedded, isOwner, close: () => database.close() };
}

export async function openRuntime(config: Config, logger: Logger): Promise<Runtime> {
  const [{ createEmbedder }, { ensureDeploymentEmbedder }, graphServices] = await Promise.all([
    import('./models/model-provider.ts'),
    import('./ingestion/embedders/deployment-embedder.ts'),
    import('./graph/graph-services.ts'),
  ]);
  // A misconfigured embedder fails before the database is opened.
  const embedder = createEmbedder(config);
  const control = await openControlRuntime(config, logger);
  let graphStore: GraphStore;
  try {
    // Refuses an embedder other than the one this deployment's vectors came from.
    await ensureDeploymentEmbedder(control.database, embedder);
    graphStore = await graphServices.openGraphStore(config, control.database, {
      embeddingDimensions: embedder.dimensions,
      warn: (message) => logger.warn(message),
    });
  } catch (error) {
    await control.close().catch(() => undefined);
    throw error;
  }
  return {
    ...control,
    embedder,
    graphStore,
    // The knowledge graph indexes every stored document (ingest --no-graph passes no listeners).
    documentListeners: [graphServices.createConfiguredGraphIndexer(config, graphStore, embedder)],
    close: async () => {
      await graphStore.close().catch((error: unknown) => logger.warn(`Closing the graph store failed: ${String(error)}`));
      await control.close();
    },
  };
}
