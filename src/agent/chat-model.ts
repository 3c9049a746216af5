// Which model answers: the configured OpenAI-compatible chat model (built by the one model
// provider), otherwise the offline extractive answerer. A configured model is never silently
// replaced by the offline one.
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { Config } from '../config.ts';
import { chatModelName, createChatModel, llmIsConfigured } from '../models/model-provider.ts';
import type { Agent } from '../tenancy/agents.ts';

export const extractiveModelName = 'extractive';

export type ChatModelChoice =
  /** `model` builds the chat model on first use (its client is loaded only then). */
  | { kind: 'llm'; model: () => Promise<BaseChatModel>; name: string }
  | { kind: 'extractive'; name: typeof extractiveModelName };

/** The name of the model an agent answers with, without building it. */
export function agentModelName(config: Config, agent: Pick<Agent, 'model'>): string {
  if (agent.model === extractiveModelName || !llmIsConfigured(config)) return extractiveModelName;
  return chatModelName(config, agent.model);
}

export function chooseChatModel(config: Config, agent: Pick<Agent, 'model' | 'temperature'>): ChatModelChoice {
  // An agent may pin the offline answerer explicitly, e.g. for a cheap FAQ bot.
  const name = agentModelName(config, agent);
  if (name === extractiveModelName) return { kind: 'extractive', name: extractiveModelName };
  return { kind: 'llm', name, model: () => createChatModel(config, { model: name, temperature: agent.temperature }) };
}
