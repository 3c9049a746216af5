// A local server that speaks OpenAI's POST /v1/embeddings wire format (float and base64 encodings,
// usage, error bodies, Retry-After). No embedding API is reachable from the test machines, so this
// is the one boundary we replace. Each vector encodes its text's length and its batch index, so a
// test can tell which text it belongs to.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface EmbeddingsRequest {
  model: string;
  input: string | string[];
  dimensions?: number;
  encoding_format?: 'float' | 'base64';
}

export interface ScriptedFailure {
  status: number;
  code?: string;
  retryAfterSeconds?: number;
}

export interface EmbeddingsTestServer {
  baseUrl: string;
  requests: Array<{ body: EmbeddingsRequest; authorization: string | undefined }>;
  /** Failures answered, in order, before normal replies resume. */
  fail(...failures: ScriptedFailure[]): void;
  /** Dimensions of the vectors returned when the request names none. */
  nativeDimensions: number;
  close(): Promise<void>;
}

export function expectedVector(text: string, index: number, dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  vector[0] = text.length;
  vector[1] = index;
  return vector;
}

export async function startEmbeddingsTestServer(nativeDimensions = 8): Promise<EmbeddingsTestServer> {
  const requests: EmbeddingsTestServer['requests'] = [];
  const failures: ScriptedFailure[] = [];
  const server = http.createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk) => (raw += chunk));
    request.on('end', () => {
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) =>
        response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
      if (request.method !== 'POST' || request.url !== '/v1/embeddings') {
        send(404, { error: { message: `Unknown route ${request.method} ${request.url}`, type: 'invalid_request_error' } });
        return;
      }
      const body = JSON.parse(raw) as EmbeddingsRequest;
      requests.push({ body, authorization: request.headers.authorization });
      const failure = failures.shift();
      if (failure) {
        const headers: Record<string, string> = failure.retryAfterSeconds === undefined ? {} : { 'retry-after': String(failure.retryAfterSeconds) };
        send(failure.status, { error: { message: `scripted failure ${failure.status}`, type: 'server_error', code: failure.code ?? null } }, headers);
        return;
      }
      const inputs = Array.isArray(body.input) ? body.input : [body.input];
      const dimensions = body.dimensions ?? nativeDimensions;
      send(200, {
        object: 'list',
        model: body.model,
        data: inputs.map((text, index) => {
          const vector = expectedVector(text, index, dimensions);
          const embedding =
            body.encoding_format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
          return { object: 'embedding', index, embedding };
        }),
        usage: { prompt_tokens: inputs.length, total_tokens: inputs.length },
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    nativeDimensions,
    fail: (...scripted) => failures.push(...scripted),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
