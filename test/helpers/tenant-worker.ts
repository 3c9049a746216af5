// A second process for the sharing tests: opens the embedded data directory like any ragspace
// process, then writes and reads one workspace's rows in many short transactions, reporting
// any moment it saw another workspace's setting or rows.
import { openEmbeddedDatabase } from '../../src/db/embedded-database.ts';
import { hammerWorkspace } from './hammer-workspace.ts';

const [dataDirectory, workspaceId, rounds] = process.argv.slice(2);
const database = await openEmbeddedDatabase({ dataDirectory: dataDirectory!, poolSize: 3 });
try {
  const report = await hammerWorkspace(database, workspaceId!, Number(rounds));
  process.stdout.write(JSON.stringify({ ...report, isOwner: database.isOwner }));
} finally {
  await database.close();
}
