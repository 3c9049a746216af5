// The one place models are built from the config: chat models (an OpenAI-compatible server, with
// CHAT_TIMEOUT_MS, CHAT_MAX_RETRIES, CHAT_MODEL and OPENAI_BASE_URL) for the agent, graph
// extraction and the OpenAI-compatible endpoints, and the deployment's embedder (EMBEDDER).
// A configured provider is never silently replaced by an offline one (ARCHITECTURE.md invariant 7).
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { Config } from '../config.ts';
import { ConfigError } from '../config.ts';
import { RagspaceError, upstreamError } from '../errors.ts';
import type { Embedder } from '../ingestion/embedders/embedder.ts';
import { createLocalEmbedder } from '../ingestion/embedders/local-embedder.ts';
import { createOpenAIEmbedder } from '../ingestion/embedders/openai-embedder.ts';

export const defaultChatModel = 'gpt-4o-mini';
export const defaultOpenAIEmbeddingModel = 'text-embedding-3-small';

/** Native sizes of OpenAI's models, used when EMBEDDING_DIMENSIONS is not set. */
const knownOpenAIDimensions: Record<string, number> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
};

type ModelConfig = Pick<Config, 'openai' | 'chat'>;

/** True when an OpenAI-compatible chat server is configured (OPENAI_API_KEY or OPENAI_BASE_URL). */
export function llmIsConfigured(config: Pick<Config, 'openai'>): boolean {
  return Boolean(config.openai.apiKey || config.openai.baseUrl);
}

/** The model name a chat model gets: the caller's (an agent's own), else CHAT_MODEL, else the default. */
export function chatModelName(config: Pick<Config, 'openai'>, requested?: string | null): string {
  return requested ?? config.openai.chatModel ?? defaultChatModel;
}

export interface ChatModelOptions {
  /** Overrides CHAT_MODEL (an agent's own model). */
  model?: string | null;
  temperature?: number;
}

/**
 * A chat model of the configured OpenAI-compatible server. The client is imported on first use:
 * deployments without an LLM never load it. Every caller gets the same timeout and retries.
 */
export async function createChatModel(config: ModelConfig, options: ChatModelOptions = {}): Promise<BaseChatModel> {
  if (!llmIsConfigured(config)) {
    throw new ConfigError('No chat model is configured: set OPENAI_API_KEY or OPENAI_BASE_URL');
  }
  const { ChatOpenAI } = await import('@langchain/openai');
  return new ChatOpenAI({
    model: chatModelName(config, options.model),
    temperature: options.temperature ?? 0,
    // Local OpenAI-compatible servers often need no key; the client still wants a string.
    apiKey: config.openai.apiKey ?? 'not-needed',
    configuration: config.openai.baseUrl ? { baseURL: config.openai.baseUrl } : undefined,
    timeout: config.chat.timeoutMs,
    maxRetries: config.chat.maxRetries,
    streamUsage: true,
  });
}

/**
 * Any failure of the embedder, or an answer that breaks its promise (count, dimension, finite
 * numbers), is the embedding provider's fault: 502 upstream_error, with the original as `cause`.
 */
export function guardEmbedder(embedder: Embedder): Embedder {
  const fault = (message: string, cause?: unknown) =>
    cause instanceof RagspaceError ? cause : upstreamError(`Embedder ${embedder.name} failed: ${message}`, undefined, { cause });
  const checkVector = (vector: unknown): number[] => {
    if (!Array.isArray(vector) || vector.length !== embedder.dimensions || vector.some((value) => !Number.isFinite(value))) {
      const size = Array.isArray(vector) ? `${vector.length} values` : typeof vector;
      throw fault(`it returned a vector of ${size}, expected ${embedder.dimensions} finite numbers`);
    }
    return vector as number[];
  };
  const call = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw fault(error instanceof Error ? error.message : String(error), error);
    }
  };
  return {
    name: embedder.name,
    dimensions: embedder.dimensions,
    async embedDocuments(texts) {
      const vectors = await call(() => embedder.embedDocuments(texts));
      if (!Array.isArray(vectors) || vectors.length !== texts.length) {
        throw fault(`it returned ${Array.isArray(vectors) ? vectors.length : 'no'} vectors for ${texts.length} texts`);
      }
      return vectors.map(checkVector);
    },
    async embedQuery(text) {
      return checkVector(await call(() => embedder.embedQuery(text)));
    },
  };
}

/**
 * The deployment's embedder (EMBEDDER, EMBEDDING_MODEL, EMBEDDING_DIMENSIONS, OPENAI_BASE_URL). A
 * remote one is guarded; the local one is ours, has no upstream to fail, and stays itself so that
 * ingestion recognises it and runs it on its worker threads.
 */
export function createEmbedder(config: Pick<Config, 'embedder' | 'openai'>): Embedder {
  if (config.embedder.provider === 'local') return createLocalEmbedder({ dimensions: config.embedder.dimensions });
  const model = config.embedder.model ?? defaultOpenAIEmbeddingModel;
  const dimensions = config.embedder.dimensions ?? knownOpenAIDimensions[model];
  if (!dimensions) {
    throw new ConfigError(
      `Invalid environment:\n  EMBEDDING_DIMENSIONS: required for EMBEDDING_MODEL=${model} (the size of its vectors is not known to ragspace)`,
    );
  }
  return guardEmbedder(
    createOpenAIEmbedder({
      model,
      dimensions,
      // Send a size only when the user asked for one; ada-002 refuses the parameter.
      requestDimensions: config.embedder.dimensions !== undefined && model !== 'text-embedding-ada-002',
      apiKey: config.openai.apiKey,
      baseUrl: config.openai.baseUrl,
    }),
  );
}
