// The agent (LangChain and the OpenAI SDK, some 1,500 modules) loads with the first chat turn, not
// at start-up: the routes that run turns (/workspaces/:id/chat, /v1/chat/completions) import it here,
// and get a runChatTurn that also counts the turn's model tokens for /metrics.
import { countTokens } from '../observability/metrics.ts';

export async function loadChatService() {
  const service = await import('../agent/chat-service.ts');
  const runChatTurn: typeof service.runChatTurn = async (...args) => {
    const turn = await service.runChatTurn(...args);
    countTokens({ workspaceId: args[1].workspaceId, model: turn.model, input: turn.usage.inputTokens, output: turn.usage.outputTokens });
    return turn;
  };
  return { runChatTurn };
}
