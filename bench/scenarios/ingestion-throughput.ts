// Ingestion throughput, graph off, against the peer measured in the same run on the same tier:
// LangChain's PGVectorStore (bench/peers/langchain-pgvector.ts) fed by the same loader, chunker
// and embedder, one document at a time as a LangChain user would (load, split, addDocuments).
// Then ragspace ingestion with the offline knowledge graph on.
import { loadConfig } from '../../src/config.ts';
import { createGraphExtraction } from '../../src/graph/graph-services.ts';
import { createGraphIndexer } from '../../src/graph/indexing/graph-indexer.ts';
import { createPostgresGraphStore } from '../../src/graph/postgres/postgres-graph-store.ts';
import { chunkDocument, parseChunkingOptions } from '../../src/ingestion/chunker.ts';
import { embeddingText } from '../../src/ingestion/documents.ts';
import { ensureDeploymentEmbedder } from '../../src/ingestion/embedders/deployment-embedder.ts';
import { createLocalEmbedder } from '../../src/ingestion/embedders/local-embedder.ts';
import { runIngestion } from '../../src/ingestion/ingest-run.ts';
import { loadDocument } from '../../src/ingestion/loaders/index.ts';
import { createTokenCounter } from '../../src/ingestion/tokens.ts';
import { createOrganization } from '../../src/tenancy/organizations.ts';
import { createWorkspaceContext, type WorkspaceContext } from '../../src/tenancy/workspace-context.ts';
import { createWorkspace } from '../../src/tenancy/workspaces.ts';
import { openIngestionDatabase } from '../ingestion/embedded-tier.ts';
import { asIngestItems, benchDocuments, type BenchDocument } from '../ingestion/corpus.ts';
import { benchChunking, readCisiText } from '../fixtures/cisi-workspaces.ts';
import { openLangchainPgvectorPeer } from '../peers/langchain-pgvector.ts';
import { round, sized, type BenchScenario } from '../scenario.ts';

// No model configured: the offline graph extraction, as a deployment without an LLM runs it.
const offlineModels = loadConfig({});

export const scenario: BenchScenario = {
  name: 'ingestion-throughput',
  description:
    'chunks/s of ingestion (graph off) against LangChain PGVectorStore.addDocuments after the same loader, chunker and embedder, and with the offline graph on; documents of 8 CISI abstracts, 128-token chunks, local 1,024-d embedder',
  async run(context) {
    const { log, tier } = context;
    const documentsPerRun = sized(context, 300, 20);
    const graphDocuments = sized(context, 80, 5);
    const { abstracts } = await readCisiText();
    const bench = await openIngestionDatabase(context);
    try {
      const { database } = bench;
      const embedder = createLocalEmbedder();
      await ensureDeploymentEmbedder(database, embedder);
      const organization = await createOrganization(database, { name: 'Bench', slug: 'bench' });
      const contextOf = async (slug: string): Promise<WorkspaceContext> => {
        const workspace = await createWorkspace(database, { organization: organization.id, name: slug, slug });
        return createWorkspaceContext({ organizationId: organization.id, workspaceId: workspace.id });
      };
      const ours = async (workspace: WorkspaceContext, documents: BenchDocument[], graph: boolean) => {
        const listeners = graph ? [createGraphIndexer({ store: createPostgresGraphStore(database), embedder, ...(await createGraphExtraction(offlineModels)) })] : [];
        const summary = await runIngestion({ database, embedder, listeners }, workspace, asIngestItems(documents), { ...benchChunking, graph });
        if (summary.failed > 0) throw new Error(summary.results.find((result) => result.error)?.error?.message);
        return { chunks: summary.chunks, seconds: summary.seconds };
      };
      const peer = await openLangchainPgvectorPeer(bench, embedder);
      const tokens = createTokenCounter();
      const theirs = async (workspace: WorkspaceContext, documents: BenchDocument[]) => {
        const started = performance.now();
        let chunks = 0;
        for (const document of documents) {
          const loaded = await loadDocument(document);
          const split = await chunkDocument(loaded, parseChunkingOptions(benchChunking), tokens);
          await peer.addChunks(split.map((chunk) => ({ workspaceId: workspace.workspaceId, text: embeddingText(loaded.title, chunk), metadata: { source: document.source } })));
          chunks += split.length;
        }
        return { chunks, seconds: (performance.now() - started) / 1000 };
      };
      try {
        // Warm both paths (JIT, worker threads, the tokenizer's cache) on documents not measured.
        await ours(await contextOf('warm-ours'), await benchDocuments(abstracts, 1, 'warm', 10), false);
        await theirs(await contextOf('warm-peer'), await benchDocuments(abstracts, 1, 'warm', 10));
        const documents = await benchDocuments(abstracts, 42, 'doc', documentsPerRun);
        log(`${tier}: ragspace, ${documents.length} documents`);
        const ourRun = await ours(await contextOf('ours'), documents, false);
        log(`${tier}: peer`);
        const theirRun = await theirs(await contextOf('peer'), documents);
        log(`${tier}: ragspace with the offline graph, ${graphDocuments} documents`);
        const graphRun = await ours(await contextOf('graph'), await benchDocuments(abstracts, 43, 'graph', graphDocuments), true);
        const rate = (run: { chunks: number; seconds: number }) => run.chunks / run.seconds;
        return {
          table: {
            columns: ['pipeline', 'chunks', 'chunks/s', '× peer'],
            rows: [
              ['ragspace ingestion, graph off', ourRun.chunks, round(rate(ourRun), 0), round(rate(ourRun) / rate(theirRun), 2)],
              ['peer: load, split, PGVectorStore.addDocuments', theirRun.chunks, round(rate(theirRun), 0), 1],
              ['ragspace ingestion, offline graph on', graphRun.chunks, round(rate(graphRun), 0), round(rate(graphRun) / rate(theirRun), 2)],
            ],
          },
          data: {
            ours: { chunks: ourRun.chunks, seconds: round(ourRun.seconds, 2), chunksPerSecond: round(rate(ourRun), 1) },
            peer: { chunks: theirRun.chunks, seconds: round(theirRun.seconds, 2), chunksPerSecond: round(rate(theirRun), 1) },
            graph: { chunks: graphRun.chunks, seconds: round(graphRun.seconds, 2), chunksPerSecond: round(rate(graphRun), 1) },
            ratioToPeer: round(rate(ourRun) / rate(theirRun), 3),
          },
          notes: [
            'Goal: ragspace ≥ 2× the peer (graph off); offline graph extraction ≥ 100 chunks/s.',
            'ragspace: runIngestion as `ragspace ingest` runs it (two documents in flight; loading, chunking, token counting and embedding on worker threads; one transaction per document, BM25 postings by trigger). Peer: the same loader, chunker and embedder on the calling thread, then addDocuments.',
            tier === 'pglite' ? 'PGlite: the embedded database as `ragspace serve` opens it (its own thread, shared over pglite-socket); both sides connect through the socket.' : 'PostgreSQL: a fresh database on the real server.',
          ],
        };
      } finally {
        await peer.close();
      }
    } finally {
      await bench.close();
    }
  },
};
