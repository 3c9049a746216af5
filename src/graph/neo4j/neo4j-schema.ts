// Constraints and indexes the neo4j backend creates at start-up. Schema statements touch no data,
// so they carry no group; their only variable part is the embedding dimension, a validated integer.
//
// Search does not read the full-text and vector indexes: both score across every group (Lucene IDF,
// one HNSW graph for all tenants), against invariant 3. Scores are computed exactly within the group
// instead (range index on group_id first). The indexes serve operators and a later per-group
// filtered vector search (Neo4j 2026.01's SEARCH … WHERE with group_id as an index filter property).

export interface SchemaStatement {
  readonly name: string;
  readonly cypher: string;
  /** Vector indexes need Neo4j 5.18+ (relationships): on older servers they are skipped with a warning. */
  readonly optional: boolean;
}

export function schemaStatements(embeddingDimensions: number | undefined): SchemaStatement[] {
  const statements: SchemaStatement[] = [
    ['entity_identity', 'CREATE CONSTRAINT ragspace_entity_identity IF NOT EXISTS FOR (e:Entity) REQUIRE (e.group_id, e.uuid) IS UNIQUE'],
    [
      'entity_name',
      'CREATE CONSTRAINT ragspace_entity_name IF NOT EXISTS FOR (e:Entity) REQUIRE (e.group_id, e.normalized_name, e.entity_type) IS UNIQUE',
    ],
    ['episode_identity', 'CREATE CONSTRAINT ragspace_episode_identity IF NOT EXISTS FOR (ep:Episode) REQUIRE (ep.group_id, ep.uuid) IS UNIQUE'],
    ['fact_identity', 'CREATE CONSTRAINT ragspace_fact_identity IF NOT EXISTS FOR ()-[r:RELATES_TO]-() REQUIRE (r.group_id, r.uuid) IS UNIQUE'],
    ['entity_group', 'CREATE INDEX ragspace_entity_group IF NOT EXISTS FOR (e:Entity) ON (e.group_id)'],
    ['episode_group', 'CREATE INDEX ragspace_episode_group IF NOT EXISTS FOR (ep:Episode) ON (ep.group_id)'],
    ['episode_document', 'CREATE INDEX ragspace_episode_document IF NOT EXISTS FOR (ep:Episode) ON (ep.group_id, ep.document_id)'],
    ['fact_group', 'CREATE INDEX ragspace_fact_group IF NOT EXISTS FOR ()-[r:RELATES_TO]-() ON (r.group_id)'],
    ['mention_group', 'CREATE INDEX ragspace_mention_group IF NOT EXISTS FOR ()-[m:MENTIONS]-() ON (m.group_id)'],
    ['entity_text', 'CREATE FULLTEXT INDEX ragspace_entity_text IF NOT EXISTS FOR (e:Entity) ON EACH [e.name, e.summary]'],
    ['fact_text', 'CREATE FULLTEXT INDEX ragspace_fact_text IF NOT EXISTS FOR ()-[r:RELATES_TO]-() ON EACH [r.relation, r.fact]'],
  ].map(([name, cypher]) => ({ name: name!, cypher: cypher!, optional: false }));
  if (embeddingDimensions !== undefined) {
    if (!Number.isInteger(embeddingDimensions) || embeddingDimensions < 1 || embeddingDimensions > 4096) {
      throw new Error(`Neo4j vector indexes take 1 to 4096 dimensions, not ${embeddingDimensions}`);
    }
    const options = `OPTIONS {indexConfig: {\`vector.dimensions\`: ${embeddingDimensions}, \`vector.similarity_function\`: 'cosine'}}`;
    statements.push(
      {
        name: 'entity_name_embedding',
        cypher: `CREATE VECTOR INDEX ragspace_entity_name_embedding IF NOT EXISTS FOR (e:Entity) ON (e.name_embedding) ${options}`,
        optional: true,
      },
      {
        name: 'fact_embedding',
        cypher: `CREATE VECTOR INDEX ragspace_fact_embedding IF NOT EXISTS FOR ()-[r:RELATES_TO]-() ON (r.fact_embedding) ${options}`,
        optional: true,
      },
    );
  }
  return statements;
}
