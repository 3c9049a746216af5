// The agent's tool box: one factory per tool; an agent gets only the tools its row enables.
import type { StructuredToolInterface } from '@langchain/core/tools';
import type { SearchDependencies } from '../../search/search-request.ts';
import type { AgentToolName } from '../../tenancy/agents.ts';
import { createGetDocumentTool } from './get-document-tool.ts';
import { createHybridSearchTool } from './hybrid-search-tool.ts';
import { createListDocumentsTool } from './list-documents-tool.ts';
import { createVectorSearchTool } from './vector-search-tool.ts';

export type AgentToolDependencies = SearchDependencies;

const toolFactories: Record<AgentToolName, ((dependencies: AgentToolDependencies) => StructuredToolInterface) | undefined> = {
  vector_search: createVectorSearchTool,
  hybrid_search: createHybridSearchTool,
  get_document: createGetDocumentTool,
  list_documents: createListDocumentsTool,
  graph_search: undefined,
  get_entity_relationships: undefined,
  get_entity_timeline: undefined,
};

export function createAgentTools(dependencies: AgentToolDependencies, enabled: readonly AgentToolName[]): StructuredToolInterface[] {
  return enabled.flatMap((name) => {
    const factory = toolFactories[name];
    return factory ? [factory(dependencies)] : [];
  });
}
