// Which model answers: an OpenAI-compatible chat model when one is configured, otherwise the
// offline extractive answerer. A configured model is never silently replaced by the offline one.
import { ChatOpenAI } from '@langchain/openai';
import type { Config } from '../config.ts';
import type { Agent } from '../tenancy/agents.ts';

export const extractiveModelName = 'extractive';
const defaultChatModel = 'gpt-4o-mini';

export type ChatModelChoice = { kind: 'llm'; model: ChatOpenAI; name: string } | { kind: 'extractive'; name: typeof extractiveModelName };

export function llmIsConfigured(config: Config): boolean {
  return Boolean(config.openai.apiKey || config.openai.baseUrl);
}

export function chooseChatModel(config: Config, agent: Pick<Agent, 'model' | 'temperature'>): ChatModelChoice {
  // An agent may pin the offline answerer explicitly, e.g. for a cheap FAQ bot.
  if (agent.model === extractiveModelName || !llmIsConfigured(config)) return { kind: 'extractive', name: extractiveModelName };
  const name = agent.model ?? config.openai.chatModel ?? defaultChatModel;
  const model = new ChatOpenAI({
    model: name,
    temperature: agent.temperature,
    // Local OpenAI-compatible servers often need no key; the client still wants a string.
    apiKey: config.openai.apiKey ?? 'not-needed',
    configuration: config.openai.baseUrl ? { baseURL: config.openai.baseUrl } : undefined,
    timeout: config.chat.timeoutMs,
    maxRetries: config.chat.maxRetries,
    streamUsage: true,
  });
  return { kind: 'llm', model, name };
}
