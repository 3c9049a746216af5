import { createMemoryDatabase } from '/work/ragspace-search/src/db/pglite-database.ts';
const db = await createMemoryDatabase();
await db.executeScript(`CREATE EXTENSION vector; CREATE TABLE t (id int, e vector); ALTER TABLE t ALTER COLUMN e SET STORAGE MAIN;`);
console.log((await db.query(`SELECT attstorage FROM pg_attribute WHERE attrelid='t'::regclass AND attname='e'`)).rows);
await db.query(`ALTER TABLE t ALTER COLUMN e TYPE vector(3)`);
console.log((await db.query(`SELECT attstorage FROM pg_attribute WHERE attrelid='t'::regclass AND attname='e'`)).rows);
await db.close();
