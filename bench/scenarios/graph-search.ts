// Knowledge-graph latency on the embedded backend: a few hundred short company-news documents are
// indexed (offline extractor, local hashing embedder, postgres graph store in PGlite) into one
// workspace while a second workspace holds the same number of its own, then graphSearch,
// getEntityRelationships (depth 2) and getEntityTimeline are timed one call at a time.
// The corpus is generated from templates with a seeded random generator: same corpus on every run.
import { randomUUID } from 'node:crypto';
import { keyValueReport, sized, withBenchDatabase, type BenchScenario } from '../scenario.ts';
import type { Database } from '../../src/db/database.ts';
import { createOfflineExtractor } from '../../src/graph/extraction/offline-extractor.ts';
import { getEntityRelationships, getEntityTimeline, graphSearch } from '../../src/graph/graph-search.ts';
import { createRuleContradictionJudge } from '../../src/graph/indexing/contradictions.ts';
import { createGraphIndexer } from '../../src/graph/indexing/graph-indexer.ts';
import { createPostgresGraphStore } from '../../src/graph/postgres/postgres-graph-store.ts';
import { createLocalEmbedder } from '../../src/ingestion/embedders/local-embedder.ts';
import { createOrganization } from '../../src/tenancy/organizations.ts';
import { createWorkspaceContext, type WorkspaceContext } from '../../src/tenancy/workspace-context.ts';
import { createWorkspace } from '../../src/tenancy/workspaces.ts';

export interface GraphSearchBenchmarkOptions {
  database: Database;
  documents?: number;
  queries?: number;
  log?: (message: string) => void;
}

interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  mean: number;
}

export interface GraphSearchBenchmarkResult {
  scenario: 'graph-search';
  backend: 'postgres';
  embedder: string;
  documents: number;
  graph: { episodes: number; entities: number; facts: number };
  indexingDocumentsPerSecond: number;
  queries: number;
  latencyMs: { graphSearch: LatencySummary; relationshipsDepth2: LatencySummary; timeline: LatencySummary };
}

const firstNames = ['Maria', 'Tomas', 'Priya', 'Omar', 'Anna', 'Lena', 'Jonas', 'Sofia', 'Ravi', 'Elena', 'Marco', 'Aisha', 'Pieter', 'Yuki', 'Nadia', 'Carlos'];
const lastNames = ['Chen', 'Berg', 'Raman', 'Haddad', 'Kowalski', 'Park', 'Weber', 'Rossi', 'Okafor', 'Novak', 'Jansen', 'Silva', 'Tanaka', 'Dubois', 'Larsen', 'Moreau'];
const companyStems = ['Northwind', 'Globex', 'Helix', 'Orbital', 'Kestrel', 'Quantum', 'Blue Harbor', 'Zeta', 'Lumen', 'Cobalt', 'Vertex', 'Aurora', 'Summit', 'Pioneer', 'Harbor', 'Nimbus'];
const companyKinds = ['Robotics', 'Logistics', 'Labs', 'Systems', 'Analytics', 'Energy', 'Software', 'Networks'];
const cities = ['Rotterdam', 'Hamburg', 'Lyon', 'Amsterdam', 'Berlin', 'Vienna', 'Madrid', 'Oslo', 'Lisbon', 'Prague', 'Milan', 'Dublin'];
const products = ['Atlas Picker', 'Falcon Scanner', 'Orion Drone', 'Nova Sensor', 'Titan Crane', 'Echo Router'];

/** Mulberry32: a small seeded generator, so the corpus is identical on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/** Short company-news documents (markdown, paragraphs of template sentences). */
export function newsCorpus(documents: number, random: () => number): string[] {
  const pick = <T>(values: readonly T[]) => values[Math.floor(random() * values.length)]!;
  const person = () => `${pick(firstNames)} ${pick(lastNames)}`;
  const company = () => `${pick(companyStems)} ${pick(companyKinds)}`;
  const year = () => 2010 + Math.floor(random() * 16);
  const templates = [
    () => `${company()} is a company based in ${pick(cities)}.`,
    () => `In ${year()}, ${company()} acquired ${company()}.`,
    () => `${person()} leads ${company()} as chief executive.`,
    () => `In March ${year()}, ${person()} joined ${company()} as head of engineering.`,
    () => `${company()} is headquartered in ${pick(cities)} and buys the ${pick(products)} from ${company()}.`,
    () => `${person()}, a researcher at ${company()}, advises ${company()} on safety.`,
    () => `${company()} opened a research lab in ${pick(cities)} with ${company()}.`,
    () => `The ${pick(products)} is assembled in ${pick(cities)}.`,
    () => `${company()} signed a supply agreement with ${company()} in ${year()}.`,
    () => `${person()} has led ${company()} since January ${year()}.`,
  ];
  return Array.from({ length: documents }, (_, index) => {
    const sentences = Array.from({ length: 4 + Math.floor(random() * 4) }, () => pick(templates)());
    return `# Company news ${index + 1}\n\n${sentences.slice(0, 3).join(' ')}\n\n${sentences.slice(3).join(' ')}`;
  });
}

export function newsQueries(count: number, random: () => number): string[] {
  const pick = <T>(values: readonly T[]) => values[Math.floor(random() * values.length)]!;
  const shapes = [
    () => `Who leads ${pick(companyStems)} ${pick(companyKinds)}?`,
    () => `Where is ${pick(companyStems)} ${pick(companyKinds)} headquartered?`,
    () => `What did ${pick(companyStems)} acquire?`,
    () => `Who joined ${pick(companyStems)} ${pick(companyKinds)}?`,
    () => `Where is the ${pick(products)} assembled?`,
    () => `${pick(firstNames)} ${pick(lastNames)} research safety`,
  ];
  return Array.from({ length: count }, () => pick(shapes)());
}

function summarize(samples: number[]): LatencySummary {
  const sorted = [...samples].sort((left, right) => left - right);
  const at = (fraction: number) => sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
  const round = (value: number) => Number(value.toFixed(2));
  return { p50: round(at(0.5)), p95: round(at(0.95)), p99: round(at(0.99)), mean: round(sorted.reduce((sum, value) => sum + value, 0) / sorted.length) };
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

export async function runGraphSearchBenchmark(options: GraphSearchBenchmarkOptions): Promise<GraphSearchBenchmarkResult> {
  const { database } = options;
  const documentCount = options.documents ?? 300;
  const queryCount = options.queries ?? 200;
  const log = options.log ?? (() => undefined);
  const organization = await createOrganization(database, { name: 'Bench', slug: 'bench-graph' });
  const contexts: WorkspaceContext[] = [];
  for (const slug of ['graph-main', 'graph-neighbour']) {
    const workspace = await createWorkspace(database, { organization: organization.id, name: slug, slug });
    contexts.push(createWorkspaceContext({ organizationId: organization.id, workspaceId: workspace.id, scopes: ['search'] }));
  }
  const [main, neighbour] = contexts as [WorkspaceContext, WorkspaceContext];
  const store = createPostgresGraphStore(database);
  const embedder = createLocalEmbedder();
  const indexer = createGraphIndexer({ store, embedder, extractor: createOfflineExtractor(), contradictionJudge: createRuleContradictionJudge() });

  const index = async (context: WorkspaceContext, texts: string[]) => {
    for (const [position, text] of texts.entries()) {
      const chunks = text.split('\n\n').map((content, chunkPosition) => ({ id: randomUUID(), position: chunkPosition, content, headingPath: [] }));
      await indexer.indexDocument(context, { id: randomUUID(), source: `news-${position}.md`, title: `news ${position}`, metadata: {} }, chunks);
    }
  };
  const indexingStart = performance.now();
  await index(main, newsCorpus(documentCount, seededRandom(7)));
  const indexingSeconds = (performance.now() - indexingStart) / 1000;
  log(`indexed ${documentCount} documents in ${indexingSeconds.toFixed(1)} s`);
  await index(neighbour, newsCorpus(documentCount, seededRandom(11)));
  const graph = await store.counts(main);
  log(`graph of the measured workspace: ${JSON.stringify(graph)}`);

  const dependencies = { store, embedder };
  const queries = newsQueries(queryCount, seededRandom(13));
  for (const query of queries.slice(0, 10)) await graphSearch(dependencies, main, { query, limit: 10 }); // warm-up
  const searchSamples: number[] = [];
  for (const query of queries) searchSamples.push(await timed(() => graphSearch(dependencies, main, { query, limit: 10 })));
  const names = newsQueries(queryCount, seededRandom(17)).map((_, position) => `${companyStems[position % companyStems.length]} ${companyKinds[position % companyKinds.length]}`);
  const relationshipSamples: number[] = [];
  const timelineSamples: number[] = [];
  for (const name of names.slice(0, Math.max(20, Math.floor(queryCount / 2)))) {
    relationshipSamples.push(await timed(() => getEntityRelationships(dependencies, main, name, 2)));
    timelineSamples.push(await timed(() => getEntityTimeline(dependencies, main, name)));
  }
  return {
    scenario: 'graph-search',
    backend: 'postgres',
    embedder: `${embedder.name} (${embedder.dimensions} dimensions)`,
    documents: documentCount,
    graph,
    indexingDocumentsPerSecond: Number((documentCount / indexingSeconds).toFixed(1)),
    queries: queries.length,
    latencyMs: {
      graphSearch: summarize(searchSamples),
      relationshipsDepth2: summarize(relationshipSamples),
      timeline: summarize(timelineSamples),
    },
  };
}

export const scenario: BenchScenario = {
  name: 'graph-search',
  description: 'Knowledge-graph latency (postgres graph store): graphSearch, relationships at depth 2 and timelines in one workspace beside another',
  run: (context) =>
    withBenchDatabase(context, async ({ database }) =>
      keyValueReport(
        await runGraphSearchBenchmark({ database, documents: sized(context, 300, 20), queries: sized(context, 200, 20), log: context.log }),
      ),
    ),
};
