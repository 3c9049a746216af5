// The tool loop with a real chat model: stream, run the tools it asks for (with the workspace in
// the RunnableConfig), feed the results back, until it answers or the round budget is spent.
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessageChunk, SystemMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import type { Runnable } from '@langchain/core/runnables';
import type { StructuredToolInterface } from '@langchain/core/tools';
import { ModelTimeoutError } from '../models/model-failure.ts';
import type { WorkspaceContext } from '../tenancy/workspace-context.ts';
import { zeroUsage, type AgentEventSink, type AgentTurnResult, type TokenUsage, type ToolCallRecord } from './agent-events.ts';
import { CitationRegistry } from './citations.ts';
import { agentToolConfig } from './tool-context.ts';
import { summarizeToolResult } from './tool-summary.ts';

export interface LlmTurnInput {
  /** Builds the chat model (the model provider's, loaded on first use). */
  model: () => Promise<BaseChatModel>;
  modelName: string;
  tools: StructuredToolInterface[];
  /** System prompt, history and the new user message. */
  messages: BaseMessage[];
  maxToolRounds: number;
  /** Longest silence allowed from the model, per reply. */
  idleTimeoutMs: number;
  context: WorkspaceContext;
  emit: AgentEventSink;
  signal?: AbortSignal;
}

function addUsage(total: TokenUsage, message: AIMessageChunk): void {
  const usage = message.usage_metadata;
  if (!usage) return;
  total.inputTokens += usage.input_tokens;
  total.outputTokens += usage.output_tokens;
  total.totalTokens += usage.total_tokens;
}

function textOf(message: AIMessageChunk): string {
  return typeof message.content === 'string'
    ? message.content
    : message.content.map((part) => (part.type === 'text' && 'text' in part ? String(part.text) : '')).join('');
}

/**
 * Streams one model reply. The timeout counts silence, not total time: a long answer that keeps
 * streaming is fine, a server that stops sending is cut off (the SDK's own timeout ends at the headers).
 */
async function streamOnce(
  model: Runnable<BaseMessage[], AIMessageChunk>,
  messages: BaseMessage[],
  emit: AgentEventSink,
  signal: AbortSignal | undefined,
  idleTimeoutMs: number,
): Promise<AIMessageChunk> {
  const silence = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const restartTimer = () => {
    clearTimeout(timer);
    timer = setTimeout(() => silence.abort(new ModelTimeoutError(idleTimeoutMs)), idleTimeoutMs);
  };
  const combined = signal ? AbortSignal.any([signal, silence.signal]) : silence.signal;
  let full: AIMessageChunk | undefined;
  restartTimer();
  try {
    for await (const chunk of await model.stream(messages, { signal: combined })) {
      restartTimer();
      const text = textOf(chunk);
      if (text) emit({ type: 'token', text });
      full = full ? full.concat(chunk) : chunk;
    }
  } catch (error) {
    if (silence.signal.aborted && !signal?.aborted) throw silence.signal.reason;
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return full ?? new AIMessageChunk({ content: '' });
}

export async function runLlmTurn(input: LlmTurnInput): Promise<AgentTurnResult> {
  const { tools, context, emit, signal } = input;
  const model = await input.model();
  const registry = new CitationRegistry();
  const toolConfig = agentToolConfig(context, registry, signal);
  const toolsByName = new Map(tools.map((tool) => [tool.name, tool]));
  if (tools.length > 0 && !model.bindTools) throw new Error(`The chat model ${input.modelName} cannot call tools`);
  const bound = tools.length > 0 && model.bindTools ? model.bindTools(tools) : model;
  const messages = [...input.messages];
  const usage = zeroUsage();
  const toolCalls: ToolCallRecord[] = [];

  for (let round = 0; ; round += 1) {
    // With the budget spent, ask once more without tools so the turn always ends in an answer.
    const canUseTools = round < input.maxToolRounds && tools.length > 0;
    if (!canUseTools && round > 0) {
      messages.push(new SystemMessage('Tool budget reached: answer now from the results above.'));
    }
    const reply = await streamOnce(canUseTools ? bound : model, messages, emit, signal, input.idleTimeoutMs);
    addUsage(usage, reply);
    messages.push(reply);
    const requested = canUseTools ? (reply.tool_calls ?? []) : [];
    if (requested.length === 0) {
      const answer = textOf(reply);
      return { answer, citations: registry.citedIn(answer), toolCalls, usage, model: input.modelName };
    }
    for (const call of requested) {
      const id = call.id ?? `call_${toolCalls.length + 1}`;
      emit({ type: 'tool_call', id, name: call.name, arguments: call.args });
      const tool = toolsByName.get(call.name);
      let result: ToolMessage;
      let error: string | undefined;
      try {
        if (!tool) throw new Error(`unknown tool "${call.name}"`);
        // The config is forwarded explicitly: the workspace travels here, not in call.args.
        result = (await tool.invoke({ ...call, id, type: 'tool_call' }, toolConfig)) as ToolMessage;
      } catch (caught) {
        if (signal?.aborted) throw caught;
        error = caught instanceof Error ? caught.message : String(caught);
        result = new ToolMessage({ tool_call_id: id, content: `Tool error: ${error}`, status: 'error' });
      }
      const summary = error ? `failed: ${error}` : summarizeToolResult(call.name, result.artifact);
      emit({ type: 'tool_result', id, name: call.name, summary, error });
      toolCalls.push({ id, name: call.name, arguments: call.args, summary, error });
      messages.push(result);
    }
  }
}
