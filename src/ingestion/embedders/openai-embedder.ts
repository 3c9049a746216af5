// Embeddings from any OpenAI-compatible /v1/embeddings endpoint through LangChain's OpenAIEmbeddings.
// Batching and retries are ours: LangChain gives up at once on a 429 without a Retry-After header,
// and its backoff cannot be tuned. We retry 408, 429 (except an exhausted quota), 5xx and network
// errors with exponential backoff and jitter, honouring Retry-After when the server sends one.
import { setTimeout as sleep } from 'node:timers/promises';
import type { OpenAIEmbeddings } from '@langchain/openai';
import { upstreamError } from '../../errors.ts';
import type { Embedder } from './embedder.ts';

export interface OpenAIEmbedderOptions {
  model: string;
  dimensions: number;
  /** Send `dimensions` in the request (text-embedding-3 models shorten their vectors); otherwise only check it. */
  requestDimensions: boolean;
  apiKey?: string | undefined;
  baseUrl?: string | undefined;
  /** Texts per request. */
  batchSize?: number;
  /** Attempts after the first. */
  maxRetries?: number;
  initialRetryDelayMs?: number;
  maxRetryDelayMs?: number;
  timeoutMs?: number;
}

interface HttpFailure {
  status?: number;
  code?: string;
  headers?: { get?(name: string): string | null } | Record<string, string>;
  message?: string;
  error?: { code?: string };
}

function retryAfterMs(failure: HttpFailure): number | undefined {
  const headers = failure.headers;
  const value = typeof headers?.get === 'function' ? headers.get('retry-after') : (headers as Record<string, string> | undefined)?.['retry-after'];
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(seconds * 1000, 0);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(date - Date.now(), 0);
}

function isRetryable(failure: HttpFailure): boolean {
  const status = failure.status;
  if (status === undefined) return true; // connection refused, reset, timeout
  if (status === 429) return failure.code !== 'insufficient_quota' && failure.error?.code !== 'insufficient_quota';
  return status === 408 || status >= 500;
}

export function createOpenAIEmbedder(options: OpenAIEmbedderOptions): Embedder {
  const batchSize = options.batchSize ?? 128;
  const maxRetries = options.maxRetries ?? 5;
  const initialDelay = options.initialRetryDelayMs ?? 500;
  const maxDelay = options.maxRetryDelayMs ?? 30_000;
  const target = options.baseUrl ?? 'https://api.openai.com/v1';
  // Loaded on first use: the OpenAI client is a second of start-up that local deployments never need.
  let client: Promise<OpenAIEmbeddings> | undefined;
  const connect = () =>
    (client ??= import('@langchain/openai').then(
      ({ OpenAIEmbeddings }) =>
        new OpenAIEmbeddings({
          model: options.model,
          dimensions: options.requestDimensions ? options.dimensions : undefined,
          // A local server may need no key, but the OpenAI client insists on one.
          apiKey: options.apiKey ?? 'not-needed',
          configuration: options.baseUrl ? { baseURL: options.baseUrl } : {},
          batchSize,
          maxRetries: 0,
          stripNewLines: false,
          timeout: options.timeoutMs ?? 60_000,
        }),
    ));

  async function withRetries(texts: string[]): Promise<number[][]> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await (await connect()).embedDocuments(texts);
      } catch (error) {
        const failure = error as HttpFailure;
        if (attempt >= maxRetries || !isRetryable(failure)) {
          const status = failure.status ? ` (HTTP ${failure.status})` : '';
          const tries = attempt + 1;
          throw upstreamError(
            `Embedding request to ${target} failed${status} after ${tries} attempt${tries === 1 ? '' : 's'}: ${failure.message ?? String(error)}`,
            undefined,
            { cause: error },
          );
        }
        const backoff = Math.min(maxDelay, initialDelay * 2 ** attempt) * (0.5 + Math.random() / 2);
        await sleep(Math.min(retryAfterMs(failure) ?? backoff, maxDelay));
      }
    }
  }

  function checkDimensions(vectors: number[][], expected: number): number[][] {
    if (vectors.length !== expected) {
      throw upstreamError(`Embedding server ${target} returned ${vectors.length} vectors for ${expected} texts`);
    }
    const wrong = vectors.find((vector) => vector.length !== options.dimensions);
    if (wrong) {
      throw upstreamError(
        `Embedding model ${options.model} at ${target} returned ${wrong.length}-dimensional vectors, but EMBEDDING_DIMENSIONS is ${options.dimensions}`,
      );
    }
    return vectors;
  }

  async function embedDocuments(texts: string[]): Promise<number[][]> {
    const vectors: number[][] = [];
    for (let start = 0; start < texts.length; start += batchSize) {
      const batch = texts.slice(start, start + batchSize);
      vectors.push(...checkDimensions(await withRetries(batch), batch.length));
    }
    return vectors;
  }

  return {
    name: `openai:${options.model}`,
    dimensions: options.dimensions,
    embedDocuments,
    embedQuery: async (text) => (await embedDocuments([text]))[0]!,
  };
}
