// The agent's tool box: one factory per tool; an agent gets only the tools its row enables.
import type { StructuredToolInterface } from '@langchain/core/tools';
import type { GraphStore } from '../../graph/graph-store.ts';
import type { SearchDependencies } from '../../search/search-request.ts';
import type { AgentToolName } from '../../tenancy/agents.ts';
import { createEntityRelationshipsTool } from './entity-relationships-tool.ts';
import { createEntityTimelineTool } from './entity-timeline-tool.ts';
import { createGetDocumentTool } from './get-document-tool.ts';
import { createGraphSearchTool } from './graph-search-tool.ts';
import { createHybridSearchTool } from './hybrid-search-tool.ts';
import { createListDocumentsTool } from './list-documents-tool.ts';
import { createTextSearchTool } from './text-search-tool.ts';
import { createVectorSearchTool } from './vector-search-tool.ts';

export interface AgentToolDependencies extends SearchDependencies {
  /** Without a graph store the graph tools are left out. */
  graphStore?: GraphStore;
}

type ToolFactory = (dependencies: AgentToolDependencies) => StructuredToolInterface | undefined;

const graphTool =
  (create: (graph: { store: GraphStore; embedder: AgentToolDependencies['embedder'] }) => StructuredToolInterface): ToolFactory =>
  (dependencies) =>
    dependencies.graphStore ? create({ store: dependencies.graphStore, embedder: dependencies.embedder }) : undefined;

const toolFactories: Record<AgentToolName, ToolFactory> = {
  vector_search: createVectorSearchTool,
  hybrid_search: createHybridSearchTool,
  text_search: createTextSearchTool,
  get_document: createGetDocumentTool,
  list_documents: createListDocumentsTool,
  graph_search: graphTool(createGraphSearchTool),
  get_entity_relationships: graphTool(createEntityRelationshipsTool),
  get_entity_timeline: graphTool(createEntityTimelineTool),
};

export function createAgentTools(dependencies: AgentToolDependencies, enabled: readonly AgentToolName[]): StructuredToolInterface[] {
  return enabled.flatMap((name) => toolFactories[name](dependencies) ?? []);
}
