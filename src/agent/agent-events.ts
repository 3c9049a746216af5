// What a chat turn reports while it runs (streamed as SSE) and what it returns at the end.
import type { Citation } from './citations.ts';

export interface ToolCallRecord {
  id: string;
  name: string;
  arguments: Record<string, unknown>;
  /** A short description of the result (never the raw chunks). */
  summary: string;
  error?: string;
}

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
}

export type AgentEvent =
  | { type: 'token'; text: string }
  | { type: 'tool_call'; id: string; name: string; arguments: Record<string, unknown> }
  | { type: 'tool_result'; id: string; name: string; summary: string; error?: string };

export type AgentEventSink = (event: AgentEvent) => void;

export interface AgentTurnResult {
  answer: string;
  citations: Citation[];
  toolCalls: ToolCallRecord[];
  usage: TokenUsage;
  model: string;
}

export const zeroUsage = (): TokenUsage => ({ inputTokens: 0, outputTokens: 0, totalTokens: 0 });
