// Converts the agent's camelCase results to the chat API's snake_case wire format.
import type { TokenUsage, ToolCallRecord } from '../agent/agent-events.ts';
import type { ChatTurn } from '../agent/chat-service.ts';
import type { Citation } from '../agent/citations.ts';
import type { Session, StoredMessage } from '../agent/sessions.ts';

export const citationToWire = (citation: Citation) => ({
  number: citation.number,
  chunk_id: citation.chunkId,
  document_id: citation.documentId,
  title: citation.title,
  source: citation.source,
  heading_path: citation.headingPath,
});

export const usageToWire = (usage: TokenUsage) => ({
  input_tokens: usage.inputTokens,
  output_tokens: usage.outputTokens,
  total_tokens: usage.totalTokens,
});

export const toolCallToWire = (call: ToolCallRecord) => ({
  id: call.id,
  name: call.name,
  arguments: call.arguments,
  summary: call.summary,
  ...(call.error ? { error: call.error } : {}),
});

export const chatTurnToWire = (turn: ChatTurn) => ({
  session_id: turn.sessionId,
  agent_id: turn.agentId,
  message: turn.answer,
  citations: turn.citations.map(citationToWire),
  tool_calls: turn.toolCalls.map(toolCallToWire),
  usage: usageToWire(turn.usage),
  model: turn.model,
});

export const sessionToWire = (session: Session) => ({
  id: session.id,
  agent_id: session.agentId,
  customer_id: session.customerId,
  title: session.title,
  created_at: session.createdAt,
  updated_at: session.updatedAt,
});

export const messageToWire = (message: StoredMessage) => ({
  id: message.id,
  sequence: message.sequence,
  role: message.role,
  content: message.content,
  tool_calls: message.toolCalls.map(toolCallToWire),
  citations: message.citations.map(citationToWire),
  usage: message.usage ? usageToWire(message.usage) : null,
  model: message.model,
  status: message.status,
  error: message.error,
  created_at: message.createdAt,
});
