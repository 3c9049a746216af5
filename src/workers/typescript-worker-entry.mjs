// A worker thread's entry when ragspace runs from TypeScript source: loads the module named in
// workerData through tsx (a thread's entry is loaded before tsx's hooks are in place), which runs
// its top level, and hands each pooled task to its default export. Compiled JavaScript starts the
// module itself instead.
import { workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

const loaded = tsImport(workerData.typescriptModule, import.meta.url);

export default async function run(task) {
  return (await loaded).default(task);
}
