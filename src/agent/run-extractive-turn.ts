// The offline turn: run the retrieval tools itself (same tools, same RunnableConfig), then answer
// with the best matching sentences of what they returned.
import type { StructuredToolInterface } from '@langchain/core/tools';
import type { WorkspaceContext } from '../tenancy/workspace-context.ts';
import { zeroUsage, type AgentEventSink, type AgentTurnResult, type ToolCallRecord } from './agent-events.ts';
import { extractiveModelName } from './chat-model.ts';
import { CitationRegistry, type CitableChunk } from './citations.ts';
import { composeExtractiveAnswer, partialSourcesNote, selectSentences } from './extractive-answerer.ts';
import { agentToolConfig } from './tool-context.ts';
import type { ToolArtifact } from './tool-summary.ts';
import { maximumToolQueryLength } from './tools/search-tool-input.ts';

/**
 * The query the tools get for a question. A chat message may be ten times longer than a tool
 * query; a long one keeps each distinct word once, in order, up to the tool's limit, so the
 * question at its end is not cut off by text pasted before it.
 */
export function toolQueryFor(question: string): string {
  if (question.length <= maximumToolQueryLength) return question;
  const words = [...new Set(question.match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu) ?? [])];
  let query = '';
  for (const word of words) {
    if (query.length + word.length + 1 > maximumToolQueryLength) break;
    query = query ? `${query} ${word}` : word;
  }
  if (query) return query;
  // No words (symbols only): cut, without splitting a surrogate pair.
  return question.slice(0, maximumToolQueryLength).replace(/[\uD800-\uDBFF]$/, '');
}

/** The tools the offline answerer runs, in order of preference; it uses the enabled ones. */
const retrievalPlan = [
  { name: 'hybrid_search', fallback: 'vector_search', arguments: (question: string) => ({ query: toolQueryFor(question), limit: 6 }) },
  { name: 'graph_search', arguments: (question: string) => ({ query: toolQueryFor(question), limit: 5 }) },
];

export interface ExtractiveTurnInput {
  question: string;
  tools: StructuredToolInterface[];
  context: WorkspaceContext;
  emit: AgentEventSink;
  signal?: AbortSignal;
}

export async function runExtractiveTurn(input: ExtractiveTurnInput): Promise<AgentTurnResult> {
  const registry = new CitationRegistry();
  const toolConfig = agentToolConfig(input.context, registry, input.signal);
  const toolsByName = new Map(input.tools.map((tool) => [tool.name, tool]));
  const chunks: CitableChunk[] = [];
  const toolCalls: ToolCallRecord[] = [];
  let sourceUnavailable = false;

  for (const step of retrievalPlan) {
    const tool = toolsByName.get(step.name) ?? (step.fallback ? toolsByName.get(step.fallback) : undefined);
    if (!tool) continue;
    const id = `extractive_${toolCalls.length + 1}`;
    const args = step.arguments(input.question);
    input.emit({ type: 'tool_call', id, name: tool.name, arguments: args });
    const message = await tool.invoke({ id, name: tool.name, args, type: 'tool_call' }, toolConfig);
    const artifact = (message as { artifact?: ToolArtifact }).artifact;
    const summary = artifact?.summary ?? `${tool.name} finished`;
    input.emit({ type: 'tool_result', id, name: tool.name, summary });
    toolCalls.push({ id, name: tool.name, arguments: args, summary });
    chunks.push(...(artifact?.chunks ?? []));
    sourceUnavailable ||= artifact?.unavailable === true;
  }

  // Number citations by what is quoted, not by everything retrieved.
  const answerRegistry = new CitationRegistry();
  const quoted = composeExtractiveAnswer(selectSentences(input.question, chunks), answerRegistry);
  const answer = sourceUnavailable ? `${quoted} ${partialSourcesNote}` : quoted;
  for (const piece of answer.match(/\S+\s*/g) ?? []) input.emit({ type: 'token', text: piece });
  return { answer, citations: answerRegistry.all(), toolCalls, usage: zeroUsage(), model: extractiveModelName };
}
