// Ingestion throughput, graph off, against the peer measured in the same run on the same tier:
// LangChain's PGVectorStore (bench/peers/langchain-pgvector.ts) fed by the same loader, chunker
// and embedder, one document at a time as a LangChain user would (load, split, addDocuments).
// Then ragspace ingestion with the offline knowledge graph on.
import os from 'node:os';
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
import { cpuTotal, openCpuMeter, type CpuSeconds } from '../support/cpu-time.ts';

interface MeteredRun {
  chunks: number;
  seconds: number;
  cpu: CpuSeconds;
}

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
      const meter = await openCpuMeter(bench);
      const embedder = createLocalEmbedder();
      await ensureDeploymentEmbedder(database, embedder);
      const organization = await createOrganization(database, { name: 'Bench', slug: 'bench' });
      const contextOf = async (slug: string): Promise<WorkspaceContext> => {
        const workspace = await createWorkspace(database, { organization: organization.id, name: slug, slug });
        return createWorkspaceContext({ organizationId: organization.id, workspaceId: workspace.id });
      };
      const ours = async (workspace: WorkspaceContext, documents: BenchDocument[], graph: boolean) => {
        const listeners = graph ? [createGraphIndexer({ store: createPostgresGraphStore(database), embedder, ...(await createGraphExtraction(offlineModels)) })] : [];
        const { result: summary, cpu } = await meter.measure(() =>
          runIngestion({ database, embedder, listeners }, workspace, asIngestItems(documents), { ...benchChunking, graph }),
        );
        if (summary.failed > 0) throw new Error(summary.results.find((result) => result.error)?.error?.message);
        return { chunks: summary.chunks, seconds: summary.seconds, cpu };
      };
      const peer = await openLangchainPgvectorPeer(bench, embedder);
      const tokens = createTokenCounter();
      const theirs = async (workspace: WorkspaceContext, documents: BenchDocument[]) => {
        const { result: chunks, cpu, seconds } = await meter.measure(async () => {
          let written = 0;
          for (const document of documents) {
            const loaded = await loadDocument(document);
            const split = await chunkDocument(loaded, parseChunkingOptions(benchChunking), tokens);
            await peer.addChunks(split.map((chunk) => ({ workspaceId: workspace.workspaceId, text: embeddingText(loaded.title, chunk), metadata: { source: document.source } })));
            written += split.length;
          }
          return written;
        });
        return { chunks, seconds, cpu };
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
        // CPU a chunk costs on each side: on two cores it, not waiting, bounds the throughput.
        const cpuPerChunk = (run: MeteredRun) => (cpuTotal(run.cpu) / run.chunks) * 1000;
        const cpuCells = (run: MeteredRun) => [
          round((run.cpu.process / run.chunks) * 1000, 3),
          run.cpu.database === null ? (tier === 'pglite' ? 'in process' : 'not visible') : round((run.cpu.database / run.chunks) * 1000, 3),
          round(cpuTotal(run.cpu) / run.seconds, 2),
        ];
        const cores = os.availableParallelism();
        const databaseVisible = tier === 'pglite' || ourRun.cpu.database !== null;
        // With every core busy, 2× the peer's chunks/s leaves this much CPU per chunk.
        const budgetForGoal = (cores / (2 * rate(theirRun))) * 1000;
        return {
          table: {
            columns: ['pipeline', 'chunks', 'chunks/s', '× peer', 'CPU ms a chunk: bench process', 'database server', 'cores busy'],
            rows: [
              ['ragspace ingestion, graph off', ourRun.chunks, round(rate(ourRun), 0), round(rate(ourRun) / rate(theirRun), 2), ...cpuCells(ourRun)],
              ['peer: load, split, PGVectorStore.addDocuments', theirRun.chunks, round(rate(theirRun), 0), 1, ...cpuCells(theirRun)],
              ['ragspace ingestion, offline graph on', graphRun.chunks, round(rate(graphRun), 0), round(rate(graphRun) / rate(theirRun), 2), ...cpuCells(graphRun)],
            ],
          },
          data: {
            ours: { chunks: ourRun.chunks, seconds: round(ourRun.seconds, 2), chunksPerSecond: round(rate(ourRun), 1), cpuSeconds: ourRun.cpu },
            peer: { chunks: theirRun.chunks, seconds: round(theirRun.seconds, 2), chunksPerSecond: round(rate(theirRun), 1), cpuSeconds: theirRun.cpu },
            graph: { chunks: graphRun.chunks, seconds: round(graphRun.seconds, 2), chunksPerSecond: round(rate(graphRun), 1), cpuSeconds: graphRun.cpu },
            ratioToPeer: round(rate(ourRun) / rate(theirRun), 3),
            cores,
            ...(databaseVisible ? { cpuMsPerChunk: { ours: round(cpuPerChunk(ourRun), 3), peer: round(cpuPerChunk(theirRun), 3), budgetForGoal: round(budgetForGoal, 3) } } : {}),
          },
          notes: [
            'Goal: ragspace ≥ 2× the peer (graph off); offline graph extraction ≥ 100 chunks/s.',
            'ragspace: runIngestion as `ragspace ingest` runs it (two documents in flight; loading, chunking, token counting and embedding on worker threads; one transaction per document, BM25 postings by trigger). Peer: the same loader, chunker and embedder on the calling thread, then addDocuments.',
            tier === 'pglite' ? 'PGlite: the embedded database as `ragspace serve` opens it (its own thread, shared over pglite-socket); both sides connect through the socket.' : 'PostgreSQL: a fresh database on the real server.',
            'CPU: the bench process (every thread: worker threads, and on PGlite the database) from process.cpuUsage(); the PostgreSQL server (postmaster and its children, autovacuum included) from /proc when it runs on this machine. Cores busy: both, over the wall time.',
            ...(databaseVisible
              ? [
                  `On ${cores} cores, 2× the peer (${round(2 * rate(theirRun), 0)} chunks/s) leaves at most ${round(budgetForGoal, 3)} ms of CPU a chunk with every core busy; ragspace spends ${round(cpuPerChunk(ourRun), 3)}, the peer ${round(cpuPerChunk(theirRun), 3)} (it builds no text index).`,
                ]
              : []),
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
