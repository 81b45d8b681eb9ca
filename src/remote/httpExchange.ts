/**
 * @file One JSON POST (or GET) to the remote server with Node's own `http`/`https`, as the model
 * store's downloads do (modelStore/httpRequest.ts), plus what a model server needs beyond a
 * download: three timeouts (connect, first byte, idle between chunks), cancellation that closes
 * the connection (a server notices the closed socket and stops generating), and retries only
 * where the request surely did not run: a refused connection, a kept-alive socket the server had
 * already closed (Node's advice: https://nodejs.org/api/http.html#requestreusedsocket), and
 * 429/503 with a `Retry-After` the server chose. A generation is not idempotent in cost, so a
 * reply that started is never sent again.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { RemoteError } from './remoteErrors';

export interface Timeouts {
  /** TCP (and TLS) connect. */
  readonly connectMs: number;
  /** From the request sent to the response's headers. */
  readonly firstByteMs: number;
  /** Between two chunks of the body (a streamed reply's tokens, or the prompt's processing before the first). */
  readonly idleMs: number;
}

/** A CPU server may take a while over a long prompt before the first token; a dead one stays silent far longer. */
export const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 5_000, firstByteMs: 60_000, idleMs: 60_000 };

export interface RetryPolicy {
  /** Tries in all, the first included. */
  readonly attempts: number;
  /** Wait before the second try after a refused connection; doubles per try. */
  readonly baseDelayMs: number;
  /** The longest `Retry-After` we wait for; a longer one fails at once with the server's message. */
  readonly maxRetryAfterMs: number;
}

/** Rides out a server restart (a few seconds of refused connections) without stalling a completion for long. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 300, maxRetryAfterMs: 15_000 };

export interface ExchangeOptions {
  readonly timeouts: Timeouts;
  readonly retry: RetryPolicy;
  readonly agent?: http.Agent;
}

/** The response of an exchange: its status, and its body read with the idle timeout. */
export interface Exchange {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  /** The body's chunks; throws on the idle timeout, on a connection that dies, and on abort. */
  body(): AsyncGenerator<Buffer>;
  /** Reads the whole body as text (for error replies and non-streamed results). */
  text(): Promise<string>;
}

/** Network error codes that mean "nothing reached a server", for the message. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'ECONNECT_TIMEOUT']);

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The platform's AbortError for `signal`, so callers can treat every cancellation alike. */
export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  return new DOMException('the request was cancelled', 'AbortError');
}

/** Seconds or an HTTP date, as milliseconds from now; undefined when absent or unreadable. */
export function retryAfterMs(header: string | string[] | undefined, now = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Sends `method url` with `body` (JSON) and resolves once the response's headers arrived,
 * retrying where that is safe. Errors are `RemoteError`s (unreachable, timeout) or AbortError.
 */
export async function exchange(
  url: URL,
  method: 'GET' | 'POST',
  headers: Record<string, string>,
  body: unknown,
  signal: AbortSignal,
  options: ExchangeOptions,
): Promise<Exchange> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  for (let attempt = 1; ; attempt++) {
    if (signal.aborted) throw abortError(signal);
    let result: Exchange;
    try {
      result = await once(url, method, headers, payload, signal, options);
    } catch (error) {
      if (signal.aborted) throw abortError(signal);
      const retry = attempt < options.retry.attempts && (codeOf(error) === 'ECONNREFUSED' || codeOf(error) === 'ESTALE_SOCKET');
      if (!retry) throw networkError(error, url, options.timeouts);
      await sleep(options.retry.baseDelayMs * 2 ** (attempt - 1), undefined, { signal }).catch(() => undefined);
      continue;
    }
    if (result.status === 429 || result.status === 503) {
      const wait = retryAfterMs(result.headers['retry-after']);
      if (wait !== undefined && wait <= options.retry.maxRetryAfterMs && attempt < options.retry.attempts) {
        await result.text().catch(() => '');
        await sleep(wait, undefined, { signal }).catch(() => undefined);
        continue;
      }
    }
    return result;
  }
}

function networkError(error: unknown, url: URL, timeouts: Timeouts): unknown {
  if (error instanceof RemoteError) return error;
  const code = codeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ECONNECT_TIMEOUT') {
    return new RemoteError('unreachable', `cannot reach ${url.origin}: no connection within ${timeouts.connectMs} ms; check smolcode.remote.url and that the server is running`, undefined, '', { cause: error });
  }
  if (code && UNREACHABLE.has(code)) {
    return new RemoteError('unreachable', `cannot reach ${url.origin} (${code}); check smolcode.remote.url and that the server is running`, undefined, '', { cause: error });
  }
  return new RemoteError('interrupted', `the connection to ${url.origin} failed before a reply (${code ?? message})`, undefined, '', { cause: error });
}

function once(
  url: URL,
  method: 'GET' | 'POST',
  headers: Record<string, string>,
  payload: Buffer | undefined,
  signal: AbortSignal,
  options: ExchangeOptions,
): Promise<Exchange> {
  const { timeouts } = options;
  return new Promise((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const request = client.request(url, {
      method,
      signal,
      agent: options.agent,
      headers: { ...headers, ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}) },
    });
    let connectTimer: NodeJS.Timeout | undefined;
    const firstByteTimer = setTimeout(() => {
      request.destroy(Object.assign(new Error(`no reply within ${timeouts.firstByteMs} ms`), { code: 'EFIRST_BYTE_TIMEOUT' }));
    }, timeouts.firstByteMs);
    request.on('socket', (socket) => {
      if (!(socket as { connecting?: boolean }).connecting) return;
      connectTimer = setTimeout(() => request.destroy(Object.assign(new Error('connect timeout'), { code: 'ECONNECT_TIMEOUT' })), timeouts.connectMs);
      socket.once('connect', () => clearTimeout(connectTimer));
    });
    request.on('error', (error) => {
      clearTimeout(connectTimer);
      clearTimeout(firstByteTimer);
      if (codeOf(error) === 'EFIRST_BYTE_TIMEOUT') {
        return reject(new RemoteError('timeout', `${url.origin} sent no reply within ${timeouts.firstByteMs / 1000} s`, undefined, '', { cause: error }));
      }
      // A kept-alive socket the server closed between two requests: this request never reached it.
      if (request.reusedSocket && codeOf(error) === 'ECONNRESET') return reject(Object.assign(error, { code: 'ESTALE_SOCKET' }));
      reject(error);
    });
    request.on('response', (response) => {
      clearTimeout(connectTimer);
      clearTimeout(firstByteTimer);
      resolve(responseExchange(response, request, url, timeouts.idleMs, signal));
    });
    request.end(payload);
  });
}

function responseExchange(response: IncomingMessage, request: http.ClientRequest, url: URL, idleMs: number, signal: AbortSignal): Exchange {
  async function* body(): AsyncGenerator<Buffer> {
    let idle: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(idle);
      idle = setTimeout(() => response.destroy(Object.assign(new Error('idle'), { code: 'EIDLE_TIMEOUT' })), idleMs);
    };
    arm();
    try {
      for await (const chunk of response) {
        arm();
        yield chunk as Buffer;
      }
      // A connection closed without the chunked body's end: Node ends the stream with `aborted`
      // set rather than an error on some versions.
      if (!response.complete) throw Object.assign(new Error('connection closed mid-body'), { code: 'ECONNRESET' });
    } catch (error) {
      if (signal.aborted) throw abortError(signal);
      if (codeOf(error) === 'EIDLE_TIMEOUT') throw new RemoteError('timeout', `${url.origin} stopped sending for ${idleMs / 1000} s`, undefined, '', { cause: error });
      throw new RemoteError('interrupted', `${url.origin} closed the connection mid-reply (${codeOf(error) ?? (error as Error).message})`, undefined, '', { cause: error });
    } finally {
      clearTimeout(idle);
      // Leaving early (the consumer stopped, or an error) closes the connection so the server stops generating.
      if (!response.complete) request.destroy();
    }
  }
  return {
    status: response.statusCode ?? 0,
    headers: response.headers,
    body,
    async text() {
      const chunks: Buffer[] = [];
      for await (const chunk of body()) chunks.push(chunk);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}
