import { runApiSearchBenchmark } from './bench/scenarios/api-search.ts';
import { createPostgresDatabase } from './src/db/postgres-database.ts';
const database = createPostgresDatabase({ connectionString: 'postgres://ragspace@127.0.0.1:5966/apiprof2', max: 10 });
const result = await runApiSearchBenchmark({ database, seconds: 10, documents: 300, log: console.log });
console.log(JSON.stringify({ http: result.http.requestsPerSecond, inProcess: result.inProcess.searchesPerSecond, ratio: result.ratio }));
await database.close();
