// Builds the deployment's embedder from the config. A configured provider is never silently
// replaced by another (ARCHITECTURE.md invariant 7).
import type { Config } from '../../config.ts';
import { ConfigError } from '../../config.ts';
import type { Embedder } from './embedder.ts';
import { createLocalEmbedder } from './local-embedder.ts';
import { createOpenAIEmbedder } from './openai-embedder.ts';

export const defaultOpenAIModel = 'text-embedding-3-small';

/** Native sizes of OpenAI's models, used when EMBEDDING_DIMENSIONS is not set. */
const knownOpenAIDimensions: Record<string, number> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
};

export function createEmbedder(config: Pick<Config, 'embedder' | 'openai'>): Embedder {
  if (config.embedder.provider === 'local') {
    return createLocalEmbedder({ dimensions: config.embedder.dimensions });
  }
  const model = config.embedder.model ?? defaultOpenAIModel;
  const dimensions = config.embedder.dimensions ?? knownOpenAIDimensions[model];
  if (!dimensions) {
    throw new ConfigError(
      `Invalid environment:\n  EMBEDDING_DIMENSIONS: required for EMBEDDING_MODEL=${model} (the size of its vectors is not known to ragspace)`,
    );
  }
  return createOpenAIEmbedder({
    model,
    dimensions,
    // Send a size only when the user asked for one; ada-002 refuses the parameter.
    requestDimensions: config.embedder.dimensions !== undefined && model !== 'text-embedding-ada-002',
    apiKey: config.openai.apiKey,
    baseUrl: config.openai.baseUrl,
  });
}
