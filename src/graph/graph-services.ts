// Chooses the graph's parts from the configuration: the store (GRAPH_BACKEND) and the extraction
// (an OpenAI-compatible model when one is configured, else the offline extractor). A configured
// provider is never silently replaced: a Neo4j that cannot be reached fails start-up.
//
// The Neo4j driver and LangChain take seconds to load, so they are imported only when the
// configuration uses them, and the extraction only when the first document is indexed; the
// offline extractor (compromise) runs on the CPU worker threads and is never loaded here.
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { DocumentListener } from '../ingestion/document-events.ts';
import { chatModelName, createChatModel, llmIsConfigured } from '../models/model-provider.ts';
import { sharedCpuWorkers } from '../workers/cpu-pool.ts';
import { offlineExtractorName, type GraphExtractor } from './extraction/extractor.ts';
import type { GraphEmbedder } from './embedder.ts';
import type { GraphStore } from './graph-store.ts';
import type { ContradictionJudge } from './indexing/contradictions.ts';
import { createPostgresGraphStore } from './postgres/postgres-graph-store.ts';

/** Opens and initialises the configured graph store (neo4j: connects and creates constraints and indexes). */
export async function openGraphStore(
  config: Pick<Config, 'graph'>,
  database: Database,
  options: { embeddingDimensions?: number; warn?: (message: string) => void } = {},
): Promise<GraphStore> {
  if (config.graph.backend === 'postgres') return createPostgresGraphStore(database);
  const { uri, username, password, database: neo4jDatabase } = config.graph.neo4j;
  if (!uri) throw new Error('GRAPH_BACKEND=neo4j needs NEO4J_URI');
  const { createNeo4jGraphStore, openNeo4jDriver } = await import('./neo4j/neo4j-graph-store.ts');
  const driver = openNeo4jDriver({ uri, username, password });
  const store = createNeo4jGraphStore({ driver, database: neo4jDatabase, ...options });
  try {
    await store.initialize();
  } catch (error) {
    await driver.close().catch(() => undefined);
    throw new Error(`Could not open the Neo4j graph store at ${uri} (database ${neo4jDatabase}): ${(error as Error).message}`);
  }
  return store;
}

export interface GraphExtraction {
  extractor: GraphExtractor;
  contradictionJudge: ContradictionJudge;
}

/** The offline extractor on the shared CPU worker threads: compromise's tagging must not hold the event loop. */
function createThreadedOfflineExtractor(): GraphExtractor {
  return { name: offlineExtractorName, extract: (input) => sharedCpuWorkers().extractGraph(input) };
}

/**
 * The LLM path when OPENAI_API_KEY or OPENAI_BASE_URL is set (CHAT_MODEL picks the model), else
 * offline. The model comes from the model provider: same timeout and retries as the agent's.
 */
export async function createGraphExtraction(config: Pick<Config, 'openai' | 'chat'>): Promise<GraphExtraction> {
  if (!llmIsConfigured(config)) {
    const { createRuleContradictionJudge } = await import('./indexing/contradictions.ts');
    return { extractor: createThreadedOfflineExtractor(), contradictionJudge: createRuleContradictionJudge() };
  }
  const { createLlmContradictionJudge, createLlmExtractor } = await import('./extraction/llm-extraction.ts');
  const settings = {
    modelName: chatModelName(config),
    timeoutMs: config.chat.timeoutMs,
    // Built once, on the first document: deterministic settings for extraction.
    model: once(() => createChatModel(config, { temperature: 0 })),
  };
  return { extractor: createLlmExtractor(settings), contradictionJudge: createLlmContradictionJudge(settings) };
}

function once<T>(create: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => (value ??= create());
}

/**
 * The document listener that keeps the workspace graphs up to date, with the configured extraction.
 * The indexer and its extraction are loaded when the first document is stored or removed.
 */
export function createConfiguredGraphIndexer(config: Pick<Config, 'openai' | 'chat'>, store: GraphStore, embedder: GraphEmbedder): DocumentListener {
  let indexer: Promise<DocumentListener> | undefined;
  const load = () =>
    (indexer ??= Promise.all([import('./indexing/graph-indexer.ts'), createGraphExtraction(config)]).then(
      ([{ createGraphIndexer }, extraction]) => createGraphIndexer({ store, embedder, ...extraction }),
    ));
  return {
    documentStored: async (context, document, chunks) => (await load()).documentStored(context, document, chunks),
    documentRemoved: async (context, documentId) => (await load()).documentRemoved(context, documentId),
  };
}
