/**
 * The client's HTTP behaviour against a tiny in-process server that misbehaves on purpose: what
 * the real llama-cpp-python server cannot be made to do on cue (429/503 with Retry-After, a
 * stalled stream, a cut connection at a chosen byte). The main tests are test/integration/remote.
 */
import assert from 'node:assert/strict';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { apiBase, OpenAiClient } from '../../../src/remote/openaiClient';
import type { RemoteError } from '../../../src/remote/remoteErrors';

type Handler = (request: IncomingMessage, response: ServerResponse, body: string) => void;

const servers: http.Server[] = [];
after(() => servers.forEach((server) => server.close()));

async function serve(handler: Handler): Promise<{ url: string; requests: { path: string; auth?: string; body: string }[] }> {
  const requests: { path: string; auth?: string; body: string }[] = [];
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      requests.push({ path: request.url ?? '', auth: request.headers.authorization, body });
      handler(request, response, body);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

function sse(response: ServerResponse, events: string[], end = true): void {
  response.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const event of events) response.write(`data: ${event}\n\n`);
  if (end) response.end();
}

const chunk = (text: string, finish: string | null = null) => JSON.stringify({ choices: [{ text, finish_reason: finish }] });
const request = { model: 'm', prompt: 'def f(', maxTokens: 8, stop: ['\n'], temperature: 0, stream: true } as const;
const fast = { attempts: 3, baseDelayMs: 10, maxRetryAfterMs: 2000 };

describe('OpenAI-compatible client', () => {
  it('normalizes the base URL', () => {
    assert.equal(apiBase('http://gpu:8000').href, 'http://gpu:8000/v1');
    assert.equal(apiBase('http://gpu:8000/v1/').href, 'http://gpu:8000/v1');
    assert.equal(apiBase('https://proxy/llm').href, 'https://proxy/llm/v1');
    assert.throws(() => apiBase('file:///etc/passwd'), /must be http or https/);
    assert.throws(() => apiBase('gpu box'), /is not a URL/);
  });

  it('streams a completion and sends the key as a bearer token', async () => {
    const { url, requests } = await serve((_q, response) => sse(response, [chunk('x'), chunk(', y)', 'stop'), '[DONE]']));
    const client = new OpenAiClient({ baseUrl: url, apiKey: 'sk-test', retry: fast });
    const texts: string[] = [];
    const result = await client.complete(request, (text) => texts.push(text), AbortSignal.timeout(5000));
    client.dispose();
    assert.deepEqual(texts, ['x', ', y)']);
    assert.equal(result.text, 'x, y)');
    assert.equal(result.finishReason, 'stop');
    assert.equal(requests[0].path, '/v1/completions');
    assert.equal(requests[0].auth, 'Bearer sk-test');
    assert.deepEqual(JSON.parse(requests[0].body), { model: 'm', prompt: 'def f(', max_tokens: 8, temperature: 0, stop: ['\n'], stream: true });
  });

  it('waits out a 503 with Retry-After, but not a 429 without one', async () => {
    let calls = 0;
    const busy = await serve((_q, response) => {
      if (calls++ === 0) return response.writeHead(503, { 'retry-after': '0' }).end('{"error":{"message":"loading"}}');
      sse(response, [chunk('ok', 'stop'), '[DONE]']);
    });
    const client = new OpenAiClient({ baseUrl: busy.url, retry: fast });
    assert.equal((await client.complete(request, () => undefined, AbortSignal.timeout(5000))).text, 'ok');
    assert.equal(calls, 2);
    client.dispose();

    const limited = await serve((_q, response) => response.writeHead(429).end('{"error":{"message":"slow down"}}'));
    const other = new OpenAiClient({ baseUrl: limited.url, retry: fast });
    await assert.rejects(other.complete(request, () => undefined, AbortSignal.timeout(5000)), (error: RemoteError) => error.kind === 'busy' && /"slow down"/.test(error.message));
    assert.equal(limited.requests.length, 1);
    other.dispose();
  });

  it('retries a refused connection, then names the server as unreachable', async () => {
    const { url } = await serve(() => undefined);
    servers.pop()?.close();
    const client = new OpenAiClient({ baseUrl: url, retry: fast });
    await assert.rejects(client.complete(request, () => undefined, AbortSignal.timeout(5000)), (error: RemoteError) => {
      assert.equal(error.kind, 'unreachable');
      assert.match(error.message, /cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
      return true;
    });
  });

  it('keeps the partial text when the connection dies mid-stream', async () => {
    const { url } = await serve((request, response) => {
      sse(response, [JSON.stringify({ choices: [{ delta: { content: 'Hello' } }] })], false);
      setTimeout(() => request.socket.destroy(), 50);
    });
    const client = new OpenAiClient({ baseUrl: url, retry: fast });
    const chat = { model: 'm', messages: [{ role: 'user', content: 'hi' }], maxTokens: 8, temperature: 0, topP: 1 };
    await assert.rejects(client.chat(chat, () => undefined, AbortSignal.timeout(5000)), (error: RemoteError) => {
      assert.equal(error.kind, 'interrupted');
      assert.equal(error.partialText, 'Hello');
      assert.match(error.message, /closed the connection mid-reply \(.*\) after 5 characters of the reply; the server may have stopped or restarted$/);
      return true;
    });
    client.dispose();
  });

  it('times out a stream that goes silent, and abort closes the request', async () => {
    let closed = 0;
    const { url } = await serve((request, response) => {
      request.socket.on('close', () => closed++);
      sse(response, [chunk('a')], false);
    });
    const client = new OpenAiClient({ baseUrl: url, retry: fast, timeouts: { idleMs: 200 } });
    await assert.rejects(client.complete(request, () => undefined, AbortSignal.timeout(5000)), (error: RemoteError) => error.kind === 'timeout' && error.partialText === 'a');
    const controller = new AbortController();
    const pending = client.complete(request, () => controller.abort(), controller.signal);
    await assert.rejects(pending, (error: Error) => error.name === 'AbortError');
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(closed, 2);
    client.dispose();
  });
});
