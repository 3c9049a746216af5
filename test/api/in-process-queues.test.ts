// The API's in-process helpers without a database: the ingestion job queue.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { unprocessable } from '../../src/errors.ts';
import { createIngestionJobs, type IngestionJobResult } from '../../src/api/ingestion-jobs.ts';

const silent = pino({ level: 'silent' });
const workspaceA = '00000000-0000-4000-8000-00000000000a';
const workspaceB = '00000000-0000-4000-8000-00000000000b';
const result: IngestionJobResult = { documentId: '00000000-0000-4000-8000-0000000000d1', status: 'created', chunkCount: 1 };

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

describe('ingestion jobs', () => {
  it('runs jobs one at a time, in order, and reports each outcome', async () => {
    const jobs = createIngestionJobs(silent);
    const order: string[] = [];
    const gate = deferred();
    const first = jobs.enqueue({
      workspaceId: workspaceA,
      source: 'first.md',
      sizeBytes: 10,
      run: async () => {
        order.push('first started');
        await gate.promise;
        order.push('first finished');
        return result;
      },
    });
    const second = jobs.enqueue({
      workspaceId: workspaceA,
      source: 'second.md',
      sizeBytes: 10,
      run: async () => {
        order.push('second started');
        throw unprocessable('"second.md" contains no text to index');
      },
    });
    const third = jobs.enqueue({
      workspaceId: workspaceA,
      source: 'third.md',
      sizeBytes: 10,
      run: async () => {
        throw new Error('socket hang up at 10.0.0.3');
      },
    });
    expect(jobs.get(workspaceA, second.id)?.status).toBe('queued');
    gate.resolve();
    await jobs.drain();
    expect(order).toEqual(['first started', 'first finished', 'second started']);
    expect(jobs.get(workspaceA, first.id)).toMatchObject({ status: 'succeeded', result });
    expect(jobs.get(workspaceA, second.id)).toMatchObject({ status: 'failed', error: { code: 'unprocessable_entity' } });
    // An unexpected error is logged, not shown: the job says only whom to ask.
    const failed = jobs.get(workspaceA, third.id)!;
    expect(failed.error).toEqual({ code: 'internal_error', message: expect.stringContaining(third.id) });
    expect(failed.error!.message).not.toContain('10.0.0.3');
  });

  it("keeps a workspace's jobs to itself", async () => {
    const jobs = createIngestionJobs(silent);
    const job = jobs.enqueue({ workspaceId: workspaceA, source: 'a.md', sizeBytes: 1, run: async () => result });
    expect(jobs.get(workspaceB, job.id)).toBeNull();
    await jobs.drain();
  });

  it('answers 503 service_busy when the queue is full, by jobs or by bytes', async () => {
    const gate = deferred();
    const jobs = createIngestionJobs(silent, { maximumQueuedJobs: 1, maximumQueuedBytes: 100 });
    const blocked = { workspaceId: workspaceA, source: 'x.md', run: async () => (await gate.promise, result) };
    jobs.enqueue({ ...blocked, sizeBytes: 10 }); // running
    jobs.enqueue({ ...blocked, sizeBytes: 10 }); // waiting: the queue is now full
    expect(() => jobs.enqueue({ ...blocked, sizeBytes: 10 })).toThrow(expect.objectContaining({ code: 'service_busy', statusCode: 503 }));
    gate.resolve();
    await jobs.drain();
    const bytes = createIngestionJobs(silent, { maximumQueuedJobs: 10, maximumQueuedBytes: 100 });
    expect(() => bytes.enqueue({ ...blocked, sizeBytes: 101 })).toThrow(expect.objectContaining({ code: 'service_busy' }));
  });

  it("cancels a deleted workspace's waiting jobs", async () => {
    const gate = deferred();
    const jobs = createIngestionJobs(silent);
    const running = jobs.enqueue({ workspaceId: workspaceA, source: 'a.md', sizeBytes: 1, run: async () => (await gate.promise, result) });
    let ran = false;
    const waiting = jobs.enqueue({
      workspaceId: workspaceA,
      source: 'b.md',
      sizeBytes: 1,
      run: async () => {
        ran = true;
        return result;
      },
    });
    jobs.cancelWorkspace(workspaceA);
    gate.resolve();
    await jobs.drain();
    expect(jobs.get(workspaceA, running.id)?.status).toBe('succeeded');
    expect(jobs.get(workspaceA, waiting.id)?.status).toBe('cancelled');
    expect(ran).toBe(false);
  });
});
