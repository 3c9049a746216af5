// What an MCP client of a workspace should see, over either transport.

/** The workspace's retrieval tools, as MCP tools, sorted by name. */
export const retrievalToolNames = [
  'get_document',
  'get_entity_relationships',
  'get_entity_timeline',
  'graph_search',
  'hybrid_search',
  'list_documents',
  'text_search',
  'vector_search',
];
