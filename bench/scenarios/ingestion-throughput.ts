// Ingestion throughput, graph off, on both tiers, against the peer measured in the same run:
// LangChain's PGVectorStore.addDocuments after the same chunker and embedder (bench/ingestion/
// pgvector-store-peer.ts). Then ingestion with the offline knowledge graph on.
import { createGraphExtraction } from '../../src/graph/graph-services.ts';
import { createGraphIndexer } from '../../src/graph/indexing/graph-indexer.ts';
import { createPostgresGraphStore } from '../../src/graph/postgres/postgres-graph-store.ts';
import { ensureDeploymentEmbedder } from '../../src/ingestion/embedders/deployment-embedder.ts';
import { createLocalEmbedder } from '../../src/ingestion/embedders/local-embedder.ts';
import { runIngestion } from '../../src/ingestion/ingest-run.ts';
import { createOrganization } from '../../src/tenancy/organizations.ts';
import { createWorkspaceContext, type WorkspaceContext } from '../../src/tenancy/workspace-context.ts';
import { createWorkspace } from '../../src/tenancy/workspaces.ts';
import { benchTierNames, openBenchTier } from '../ingestion/bench-tiers.ts';
import { asIngestItems, benchChunking, quick, readCisiAbstracts, syntheticDocuments, type BenchDocument } from '../ingestion/corpus.ts';
import { openPeerStore } from '../ingestion/pgvector-store-peer.ts';
import { round, type BenchScenario } from '../scenario.ts';

const documentsPerRun = quick ? 60 : 300;
const graphDocuments = quick ? 20 : 80;
const warmUpDocuments = 10;

export const scenario: BenchScenario = {
  name: 'ingestion-throughput',
  description: `chunks/s of ingestion (graph off) against LangChain PGVectorStore.addDocuments after the same chunker and embedder, and with the offline graph on; ${documentsPerRun} documents of 8 CISI abstracts, 128-token chunks, local 1,024-d embedder, on each tier`,
  async run({ log }) {
    const abstracts = await readCisiAbstracts();
    const rows: Array<Array<string | number>> = [];
    const data: Record<string, unknown> = {};
    for (const tierName of benchTierNames()) {
      const tier = await openBenchTier(tierName);
      try {
        const { database } = tier;
        const embedder = createLocalEmbedder();
        await ensureDeploymentEmbedder(database, embedder);
        const organization = await createOrganization(database, { name: 'Bench', slug: 'bench' });
        const contextOf = async (slug: string): Promise<WorkspaceContext> => {
          const workspace = await createWorkspace(database, { organization: organization.id, name: slug, slug });
          return createWorkspaceContext({ organizationId: organization.id, workspaceId: workspace.id });
        };
        const ours = async (context: WorkspaceContext, documents: BenchDocument[], graph: boolean) => {
          const listeners = graph
            ? [createGraphIndexer({ store: createPostgresGraphStore(database), embedder, ...createGraphExtraction({ openai: { apiKey: undefined, baseUrl: undefined, chatModel: undefined } }) })]
            : [];
          const summary = await runIngestion({ database, embedder, listeners }, context, asIngestItems(documents), { ...benchChunking, graph });
          if (summary.failed > 0) throw new Error(summary.results.find((result) => result.error)?.error?.message);
          return { chunks: summary.chunks, seconds: summary.seconds };
        };
        const peer = await openPeerStore(tier.poolConfig, embedder);
        const peerRun = async (context: WorkspaceContext, documents: BenchDocument[]) => {
          const started = performance.now();
          let chunks = 0;
          for (const document of documents) chunks += await peer.addDocument(context.workspaceId, document, benchChunking);
          return { chunks, seconds: (performance.now() - started) / 1000 };
        };

        // Warm both paths (JIT, worker threads, the tokenizer's cache) on documents not measured.
        await ours(await contextOf('warm-ours'), syntheticDocuments(abstracts, 1, 'warm', warmUpDocuments), false);
        await peerRun(await contextOf('warm-peer'), syntheticDocuments(abstracts, 1, 'warm', warmUpDocuments));

        const documents = syntheticDocuments(abstracts, 42, 'doc', documentsPerRun);
        log(`${tierName}: ours, ${documents.length} documents`);
        const ourRun = await ours(await contextOf('ours'), documents, false);
        log(`${tierName}: peer`);
        const theirRun = await peerRun(await contextOf('peer'), documents);
        log(`${tierName}: ours with the graph, ${graphDocuments} documents`);
        const graphRun = await ours(await contextOf('graph'), syntheticDocuments(abstracts, 43, 'graph', graphDocuments), true);
        await peer.close();

        const rate = (run: { chunks: number; seconds: number }) => run.chunks / run.seconds;
        rows.push(
          [tierName, 'ragspace ingestion, graph off', ourRun.chunks, round(rate(ourRun), 0), round(rate(ourRun) / rate(theirRun), 2)],
          [tierName, 'peer: PGVectorStore.addDocuments after the same chunker', theirRun.chunks, round(rate(theirRun), 0), 1],
          [tierName, 'ragspace ingestion, offline graph on', graphRun.chunks, round(rate(graphRun), 0), round(rate(graphRun) / rate(theirRun), 2)],
        );
        data[tierName] = {
          ours: { chunks: ourRun.chunks, seconds: round(ourRun.seconds, 2), chunksPerSecond: round(rate(ourRun), 1) },
          peer: { chunks: theirRun.chunks, seconds: round(theirRun.seconds, 2), chunksPerSecond: round(rate(theirRun), 1) },
          graph: { chunks: graphRun.chunks, seconds: round(graphRun.seconds, 2), chunksPerSecond: round(rate(graphRun), 1) },
          ratioToPeer: round(rate(ourRun) / rate(theirRun), 3),
        };
      } finally {
        await tier.close();
      }
    }
    return {
      table: { columns: ['tier', 'pipeline', 'chunks', 'chunks/s', '× peer'], rows },
      data,
      notes: [
        'Goal: ragspace ≥ 2× the peer on both tiers (graph off); offline graph extraction ≥ 100 chunks/s.',
        'The peer reproduces PGVectorStore.addDocuments statement for statement (@langchain/community could not be installed beside our dependencies: see bench/ingestion/pgvector-store-peer.ts); it loads and chunks with our loader and chunker and embeds with the same local embedder, one document at a time on the calling thread.',
        'ragspace: runIngestion as `ragspace ingest` runs it (two documents in flight; loading, chunking, token counting and embedding on worker threads; one transaction per document with the BM25 postings written by trigger).',
      ],
    };
  },
};
