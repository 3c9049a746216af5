// The one model provider: chat models for the agent and graph extraction share CHAT_TIMEOUT_MS,
// CHAT_MAX_RETRIES, CHAT_MODEL and OPENAI_BASE_URL; the embedder comes from EMBEDDER; and every
// provider fault is an upstream error (502/504) that keeps the original failure as its cause.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { createGraphExtraction } from '../../src/graph/graph-services.ts';
import type { Embedder } from '../../src/ingestion/embedders/embedder.ts';
import { isLocalEmbedder } from '../../src/ingestion/embedders/local-embedder.ts';
import { createEmbedder, guardEmbedder } from '../../src/models/model-provider.ts';
import { startOpenAITestServer, type OpenAITestServer } from '../helpers/openai-test-server.ts';

const episode = { key: 'e1', content: 'Northwind Robotics is based in Rotterdam.' };
const extractionInput = { documentTitle: 'profile', referenceTime: '2026-01-01T00:00:00.000Z', episodes: [episode] };

describe('embedder from config', () => {
  const openai = { apiKey: 'sk-test', baseUrl: 'http://127.0.0.1:1/v1', chatModel: undefined };

  it('builds the local embedder by default and the OpenAI one when configured', () => {
    const local = createEmbedder({ embedder: { provider: 'local', model: undefined, dimensions: undefined }, openai });
    expect(local).toMatchObject({ name: 'local:hashing-v1', dimensions: 1024 });
    // Not wrapped: ingestion recognises the local embedder and runs it on its worker threads.
    expect(isLocalEmbedder(local)).toBe(true);
    expect(createEmbedder({ embedder: { provider: 'openai', model: undefined, dimensions: undefined }, openai })).toMatchObject({
      name: 'openai:text-embedding-3-small',
      dimensions: 1536,
    });
    expect(createEmbedder({ embedder: { provider: 'openai', model: 'nomic-embed-text', dimensions: 768 }, openai }).dimensions).toBe(768);
  });

  it('asks for EMBEDDING_DIMENSIONS when the model is unknown', () => {
    expect(() => createEmbedder({ embedder: { provider: 'openai', model: 'nomic-embed-text', dimensions: undefined }, openai })).toThrow(ConfigError);
    expect(() => createEmbedder({ embedder: { provider: 'openai', model: 'nomic-embed-text', dimensions: undefined }, openai })).toThrow(
      /EMBEDDING_DIMENSIONS: required for EMBEDDING_MODEL=nomic-embed-text/,
    );
  });
});

describe('guarded embedder', () => {
  const base: Embedder = {
    name: 'test:broken',
    dimensions: 4,
    embedDocuments: async (texts) => texts.map(() => [1, 0, 0, 0]),
    embedQuery: async () => [1, 0, 0, 0],
  };

  it('passes good vectors through unchanged', async () => {
    expect(await guardEmbedder(base).embedDocuments(['a', 'b'])).toEqual([
      [1, 0, 0, 0],
      [1, 0, 0, 0],
    ]);
  });

  it('turns a thrown fault into upstream_error with the original as cause', async () => {
    const original = new TypeError('socket hang up');
    const failure = await guardEmbedder({ ...base, embedQuery: async () => Promise.reject(original) })
      .embedQuery('q')
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'upstream_error', statusCode: 502, cause: original });
    expect((failure as Error).message).toContain('socket hang up');
  });

  it('refuses vectors of the wrong size, wrong count or non-finite values as upstream errors, not validation errors', async () => {
    const shortVector = guardEmbedder({ ...base, embedQuery: async () => [1, 0] });
    await expect(shortVector.embedQuery('q')).rejects.toMatchObject({ code: 'upstream_error' });
    const missingVector = guardEmbedder({ ...base, embedDocuments: async () => [[1, 0, 0, 0]] });
    await expect(missingVector.embedDocuments(['a', 'b'])).rejects.toMatchObject({ code: 'upstream_error' });
    const notANumber = guardEmbedder({ ...base, embedDocuments: async (texts) => texts.map(() => [Number.NaN, 0, 0, 0]) });
    await expect(notANumber.embedDocuments(['a'])).rejects.toMatchObject({ code: 'upstream_error' });
  });
});

describe('chat models for graph extraction', () => {
  let server: OpenAITestServer;
  let silent: http.Server;
  let silentUrl: string;

  beforeAll(async () => {
    server = await startOpenAITestServer();
    // Accepts requests and never answers: only a client timeout ends them.
    silent = http.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/v1`;
  });
  afterAll(async () => {
    await server.close();
    silent.closeAllConnections();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it('retries a failing model CHAT_MAX_RETRIES times, then reports a 502 with the cause', async () => {
    server.script({ status: 500, message: 'overloaded' }, { status: 500, message: 'overloaded' });
    const before = server.requests.length;
    const { extractor } = await createGraphExtraction(
      loadConfig({ OPENAI_BASE_URL: server.baseUrl, CHAT_MODEL: 'graph-model', CHAT_MAX_RETRIES: '1' }),
    );
    const failure = await extractor.extract(extractionInput).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'upstream_error', statusCode: 502 });
    expect((failure as Error).cause).toBeDefined();
    expect(server.requests.length - before).toBe(2);
    expect(server.requests.at(-1)!.body.model).toBe('graph-model');
  }, 120_000);

  it('gives up on a silent model after CHAT_TIMEOUT_MS with a 504', async () => {
    const { extractor } = await createGraphExtraction(loadConfig({ OPENAI_BASE_URL: silentUrl, CHAT_TIMEOUT_MS: '300', CHAT_MAX_RETRIES: '0' }));
    const failure = await extractor.extract(extractionInput).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'upstream_timeout', statusCode: 504 });
    expect((failure as Error).cause).toBeDefined();
  }, 120_000);
});
