import { createMemoryDatabase } from '/work/ragspace-search/src/db/pglite-database.ts';
const db = await createMemoryDatabase();
await db.executeScript(`CREATE EXTENSION vector; CREATE TABLE t (ws int, e vector(3)); INSERT INTO t SELECT g % 3, ARRAY[random(), random(), random()]::vector FROM generate_series(1, 3000) g;`);
try { await db.query(`CREATE INDEX CONCURRENTLY t_hnsw_1 ON t USING hnsw (e vector_cosine_ops) WHERE ws = 1`); console.log('CIC ok'); } catch (e) { console.log('CIC failed', (e as Error).message); }
console.log((await db.query(`SELECT indexrelid::regclass, indisvalid FROM pg_index WHERE indrelid = 't'::regclass`)).rows);
await db.query(`ANALYZE t`);
console.log((await db.query(`EXPLAIN SELECT * FROM t WHERE ws = 1 ORDER BY e <=> '[1,2,3]' LIMIT 5`)).rows);
console.log((await db.query(`EXPLAIN SELECT * FROM t WHERE ws = $1 ORDER BY e <=> $2 LIMIT 5`, [1, '[1,2,3]'])).rows);
await db.close();
