// The embedders: the local hashing embedder is deterministic and normalised; the OpenAI embedder
// speaks the real wire format to a local server, batches, retries what is worth retrying, and
// refuses vectors of the wrong size.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RagspaceError } from '../../src/errors.ts';
import { toVectorLiteral } from '../../src/ingestion/embedders/embedder.ts';
import { createLocalEmbedder } from '../../src/ingestion/embedders/local-embedder.ts';
import { createOpenAIEmbedder } from '../../src/ingestion/embedders/openai-embedder.ts';
import { expectedVector, startEmbeddingsTestServer, type EmbeddingsTestServer } from './embeddings-test-server.ts';

function cosine(a: number[], b: number[]): number {
  return a.reduce((sum, value, index) => sum + value * b[index]!, 0);
}

describe('local embedder', () => {
  const embedder = createLocalEmbedder();

  it('is deterministic, L2-normalised and of the configured size', async () => {
    const [first, second] = await embedder.embedDocuments(['Reset your password from the sign-in page.', 'Reset your password from the sign-in page.']);
    expect(embedder).toMatchObject({ name: 'local:hashing-v1', dimensions: 1024 });
    expect(first).toHaveLength(1024);
    expect(first).toEqual(second);
    expect(Math.hypot(...first!)).toBeCloseTo(1, 10);
    expect(createLocalEmbedder({ dimensions: 64 }).dimensions).toBe(64);
    expect(await embedder.embedQuery('the of and')).toEqual(new Array(1024).fill(0));
  });

  it('places texts that share stems and spellings closer than unrelated ones', async () => {
    const query = await embedder.embedQuery('resetting passwords');
    const [related, unrelated] = await embedder.embedDocuments(['How to reset a password', 'Annual leave and public holidays']);
    expect(cosine(query, related!)).toBeGreaterThan(0.3);
    expect(cosine(query, related!)).toBeGreaterThan(cosine(query, unrelated!) + 0.2);
  });

  it('writes vectors in pgvector text form', () => {
    expect(toVectorLiteral([0.5, -1, 1 / 3])).toBe('[0.5,-1,0.333333333]');
  });
});

describe('OpenAI-compatible embedder', () => {
  let server: EmbeddingsTestServer;
  beforeAll(async () => {
    server = await startEmbeddingsTestServer(8);
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
  });

  const create = (overrides: Partial<Parameters<typeof createOpenAIEmbedder>[0]> = {}) =>
    createOpenAIEmbedder({
      model: 'text-embedding-3-small',
      dimensions: 8,
      requestDimensions: true,
      apiKey: 'sk-test',
      baseUrl: server.baseUrl,
      batchSize: 2,
      initialRetryDelayMs: 5,
      maxRetryDelayMs: 20,
      ...overrides,
    });

  it('sends batches to /v1/embeddings and returns the vectors in input order', async () => {
    const embedder = create();
    const texts = ['a', 'bb', 'ccc', 'dddd', 'eeeee'];
    const vectors = await embedder.embedDocuments(texts);
    expect(vectors).toEqual(texts.map((text, index) => expectedVector(text, index % 2, 8)));
    expect(server.requests.map((request) => request.body.input)).toEqual([['a', 'bb'], ['ccc', 'dddd'], ['eeeee']]);
    // The OpenAI client asks for base64-encoded float32 vectors and decodes them.
    expect(server.requests[0]).toMatchObject({
      body: { model: 'text-embedding-3-small', dimensions: 8, encoding_format: 'base64' },
      authorization: 'Bearer sk-test',
    });
    expect(embedder).toMatchObject({ name: 'openai:text-embedding-3-small', dimensions: 8 });
    expect(await embedder.embedQuery('query')).toEqual(expectedVector('query', 0, 8));
  });

  it('retries 429 and 5xx answers with backoff, honouring Retry-After', async () => {
    server.fail({ status: 429, retryAfterSeconds: 0 }, { status: 503 }, { status: 500 });
    const vectors = await create().embedDocuments(['retried']);
    expect(vectors).toEqual([expectedVector('retried', 0, 8)]);
    expect(server.requests).toHaveLength(4);
  });

  it('gives up on errors that a retry cannot fix, and after the last retry', async () => {
    server.fail({ status: 400 });
    const badRequest = await create().embedDocuments(['x']).catch((error: unknown) => error);
    expect(badRequest).toBeInstanceOf(RagspaceError);
    expect((badRequest as RagspaceError).code).toBe('upstream_error');
    expect((badRequest as RagspaceError).message).toMatch(/HTTP 400\) after 1 attempt/);

    server.fail({ status: 429, code: 'insufficient_quota' });
    await expect(create().embedDocuments(['x'])).rejects.toThrow(/HTTP 429\) after 1 attempt/);

    server.fail({ status: 500 }, { status: 500 }, { status: 500 });
    await expect(create({ maxRetries: 2 }).embedDocuments(['x'])).rejects.toThrow(/HTTP 500\) after 3 attempts/);
  });

  it('refuses vectors whose size differs from the configured dimensions', async () => {
    const embedder = create({ dimensions: 16, requestDimensions: false });
    await expect(embedder.embedDocuments(['x'])).rejects.toThrow(/returned 8-dimensional vectors, but EMBEDDING_DIMENSIONS is 16/);
    expect(server.requests[0]!.body.dimensions).toBeUndefined();
  });

  it('reports an unreachable server as an upstream error', async () => {
    const embedder = create({ baseUrl: 'http://127.0.0.1:9/v1', maxRetries: 1 });
    const failure = await embedder.embedDocuments(['x']).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'upstream_error' });
    // The connection failure stays attached for the log.
    expect((failure as Error).cause).toBeInstanceOf(Error);
  });
});
