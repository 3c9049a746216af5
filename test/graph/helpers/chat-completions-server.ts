// A tiny local HTTP server that speaks the OpenAI Chat Completions wire format (JSON and SSE
// streaming), answering from a script. The only stand-in the graph tests use: the client under
// test is the real @langchain/openai ChatOpenAI over real HTTP.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ChatCompletionRequest {
  path: string;
  authorization: string | undefined;
  body: {
    model: string;
    messages: Array<{ role: string; content: string }>;
    stream?: boolean;
    response_format?: { type: string; json_schema?: { name: string; schema: Record<string, unknown>; strict?: boolean } };
    tools?: unknown[];
    [key: string]: unknown;
  };
}

export interface ChatCompletionsServer {
  /** Base URL to give the client (ends in /v1). */
  url: string;
  requests: ChatCompletionRequest[];
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

/** `answer` returns the assistant's message content (for structured output: the JSON text). */
export async function startChatCompletionsServer(answer: (request: ChatCompletionRequest) => string): Promise<ChatCompletionsServer> {
  const requests: ChatCompletionRequest[] = [];
  const server = createServer(async (request, response) => {
    if (request.method !== 'POST' || !request.url?.endsWith('/chat/completions')) {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { message: `No route ${request.method} ${request.url}`, type: 'invalid_request_error' } }));
      return;
    }
    const body = JSON.parse(await readBody(request)) as ChatCompletionRequest['body'];
    const recorded: ChatCompletionRequest = { path: request.url, authorization: request.headers.authorization, body };
    requests.push(recorded);
    const content = answer(recorded);
    const id = `chatcmpl-${requests.length}`;
    const created = Math.floor(Date.now() / 1000);
    const usage = { prompt_tokens: 100, completion_tokens: Math.ceil(content.length / 4), total_tokens: 100 + Math.ceil(content.length / 4) };
    if (body.stream) {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const chunk = (delta: Record<string, unknown>, finish: string | null, extra: Record<string, unknown> = {}) =>
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...extra })}\n\n`;
      response.write(chunk({ role: 'assistant', content: '' }, null));
      response.write(chunk({ content }, null));
      response.write(chunk({}, 'stop'));
      response.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model, choices: [], usage })}\n\n`);
      response.end('data: [DONE]\n\n');
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({
        id,
        object: 'chat.completion',
        created,
        model: body.model,
        choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: 'stop' }],
        usage,
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () => new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
