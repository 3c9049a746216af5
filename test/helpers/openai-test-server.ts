// A local server that speaks the OpenAI Chat Completions wire format (JSON and SSE streaming,
// tool-call deltas, stream_options.include_usage). No LLM is reachable from the test machines,
// so this is the one network boundary we replace; each test scripts the replies it needs.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedToolCall {
  name: string;
  arguments: Record<string, unknown>;
}

export type ScriptedReply =
  /** holdUntil (streaming only): the first piece is sent at once, the rest once it resolves. */
  | { content: string; usage?: { prompt: number; completion: number }; holdUntil?: Promise<void> }
  | { toolCalls: ScriptedToolCall[]; content?: string }
  | { status: number; message: string }
  /** Sends the first `afterTokens` content pieces, then never finishes (for disconnects and timeouts). */
  | { hangAfter: string[] };

export interface ReceivedRequest {
  body: {
    model: string;
    messages: Array<{ role: string; content: unknown; tool_calls?: unknown[]; tool_call_id?: string }>;
    tools?: Array<{ type: string; function: { name: string; description?: string; parameters: unknown } }>;
    stream?: boolean;
    stream_options?: { include_usage?: boolean };
    temperature?: number;
  };
  headers: http.IncomingHttpHeaders;
  /** Milliseconds from the end of the request body to the first byte of the reply (the "model time"). */
  firstByteMs: number;
}

export interface OpenAITestServer {
  baseUrl: string;
  /** Replies are consumed in order, one per /chat/completions request. */
  script(...replies: ScriptedReply[]): void;
  requests: ReceivedRequest[];
  /** Requests whose client went away before the reply finished. */
  abandonedRequests: number;
  close(): Promise<void>;
}

function splitIntoPieces(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

export async function startOpenAITestServer(): Promise<OpenAITestServer> {
  const queue: ScriptedReply[] = [];
  const requests: ReceivedRequest[] = [];
  let counter = 0;
  const state = { abandonedRequests: 0 };
  const openResponses = new Set<http.ServerResponse>();

  const server = http.createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk) => (raw += chunk));
    request.on('end', async () => {
      if (!request.url?.endsWith('/chat/completions')) {
        response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'not found' } }));
        return;
      }
      const received = performance.now();
      const body = JSON.parse(raw) as ReceivedRequest['body'];
      const record: ReceivedRequest = { body, headers: request.headers, firstByteMs: 0 };
      requests.push(record);
      const originalWriteHead = response.writeHead.bind(response);
      response.writeHead = ((...args: Parameters<typeof response.writeHead>) => {
        record.firstByteMs = performance.now() - received;
        return originalWriteHead(...args);
      }) as typeof response.writeHead;
      const reply = queue.shift() ?? { status: 500, message: 'the test did not script a reply for this request' };
      counter += 1;
      const id = `chatcmpl-test-${counter}`;
      const created = Math.floor(Date.now() / 1000);
      const base = { id, created, model: body.model };
      const usage = { prompt_tokens: 11 * counter, completion_tokens: 7, total_tokens: 11 * counter + 7 };

      if ('status' in reply) {
        response.writeHead(reply.status, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: { message: reply.message, type: 'server_error', code: null } }));
        return;
      }
      const toolCalls =
        'toolCalls' in reply
          ? reply.toolCalls.map((call, index) => ({
              id: `call_${counter}_${index}`,
              type: 'function' as const,
              function: { name: call.name, arguments: JSON.stringify(call.arguments) },
            }))
          : [];
      const content = 'hangAfter' in reply ? reply.hangAfter.join('') : (reply.content ?? '');
      const finishReason = toolCalls.length > 0 ? 'tool_calls' : 'stop';
      if ('usage' in reply && reply.usage) {
        Object.assign(usage, {
          prompt_tokens: reply.usage.prompt,
          completion_tokens: reply.usage.completion,
          total_tokens: reply.usage.prompt + reply.usage.completion,
        });
      }

      if (!body.stream) {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({
            ...base,
            object: 'chat.completion',
            choices: [
              {
                index: 0,
                message: { role: 'assistant', content: toolCalls.length > 0 && !content ? null : content, tool_calls: toolCalls.length ? toolCalls : undefined },
                finish_reason: finishReason,
              },
            ],
            usage,
          }),
        );
        return;
      }

      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      openResponses.add(response);
      response.on('close', () => {
        if (!response.writableFinished) state.abandonedRequests += 1;
        openResponses.delete(response);
      });
      const send = (payload: unknown) => response.write(`data: ${JSON.stringify(payload)}\n\n`);
      const chunk = (delta: unknown, finish: string | null = null) =>
        send({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] });

      chunk({ role: 'assistant', content: '' });
      const pieces = 'hangAfter' in reply ? reply.hangAfter : splitIntoPieces(content);
      const hold = 'holdUntil' in reply ? reply.holdUntil : undefined;
      if (hold) {
        chunk({ content: pieces[0] ?? '' });
        await hold;
      }
      for (const piece of hold ? pieces.slice(1) : pieces) chunk({ content: piece });
      if ('hangAfter' in reply) return; // keep the connection open without finishing
      toolCalls.forEach((call, index) => {
        chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] });
        const argumentsText = call.function.arguments;
        const middle = Math.ceil(argumentsText.length / 2);
        chunk({ tool_calls: [{ index, function: { arguments: argumentsText.slice(0, middle) } }] });
        chunk({ tool_calls: [{ index, function: { arguments: argumentsText.slice(middle) } }] });
      });
      chunk({}, finishReason);
      if (body.stream_options?.include_usage) send({ ...base, object: 'chat.completion.chunk', choices: [], usage });
      response.end('data: [DONE]\n\n');
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    script: (...replies) => queue.push(...replies),
    requests,
    get abandonedRequests() {
      return state.abandonedRequests;
    },
    async close() {
      for (const response of openResponses) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
