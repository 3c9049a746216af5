// The agent (LangChain and the OpenAI SDK, some 1,500 modules) loads with the first chat turn, not
// at start-up: the routes that run turns (/workspaces/:id/chat, /v1/chat/completions) import it here.
export const loadChatService = () => import('../agent/chat-service.ts');
