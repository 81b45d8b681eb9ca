/**
 * @file A client of the OpenAI-compatible API that vLLM, SGLang and llama.cpp's servers speak:
 * `/v1/completions` (our own prompt: vLLM rejects `suffix` and llama.cpp's `/infill` refuses
 * models without FIM tokens, so the template is applied here, not by the server),
 * `/v1/chat/completions` streamed, and `/v1/models`. Pure: no `vscode`, the API key is given.
 */
import http from 'node:http';
import https from 'node:https';
import { DEFAULT_RETRY, DEFAULT_TIMEOUTS, exchange, type Exchange, type RetryPolicy, type Timeouts } from './httpExchange';
import { RemoteError, statusError } from './remoteErrors';
import { SseParser } from './sse';

export interface OpenAiClientOptions {
  /** The API base, ending in `/v1` (see `apiBase`). */
  readonly baseUrl: string;
  /** Sent as `Authorization: Bearer` to `baseUrl`'s origin only; this client talks to no other. */
  readonly apiKey?: string;
  readonly timeouts?: Partial<Timeouts>;
  readonly retry?: RetryPolicy;
}

export interface CompletionRequest {
  readonly model: string;
  readonly prompt: string;
  readonly maxTokens: number;
  readonly stop: readonly string[];
  readonly temperature: number;
  /** Stream tokens (the pipeline can then stop the request early); else one JSON reply. */
  readonly stream: boolean;
}

export interface ChatRequest {
  readonly model: string;
  readonly messages: readonly { readonly role: string; readonly content: string }[];
  readonly maxTokens: number;
  readonly temperature: number;
  readonly topP: number;
}

/** How a generation ended. */
export interface RemoteResult {
  readonly text: string;
  /** The server's `finish_reason` (`stop`, `length`), or `stop` when it sent none. */
  readonly finishReason: string;
  /** From `usage`, when the server reports it. */
  readonly promptTokens?: number;
  readonly timeToFirstTokenMs: number;
  readonly totalMs: number;
}

/** A model the server lists. */
export interface ServedModel {
  readonly id: string;
  /** vLLM's `max_model_len`: the context window, when the server says. */
  readonly contextLength?: number;
}

/**
 * `url` as the API base: trailing slashes dropped and `/v1` appended unless the path already
 * ends in it (people paste both `http://host:8000` and `http://host:8000/v1`). Throws on a URL
 * that is not http(s).
 */
export function apiBase(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw new RemoteError('unreachable', `smolcode.remote.url "${url}" is not a URL; use one like http://host:8000/v1`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new RemoteError('unreachable', `smolcode.remote.url must be http or https, not ${parsed.protocol}`);
  }
  const path = parsed.pathname.replace(/\/+$/, '');
  parsed.pathname = path.endsWith('/v1') ? path : `${path}/v1`;
  parsed.search = '';
  parsed.hash = '';
  return parsed;
}

interface Choice {
  readonly text?: string;
  readonly delta?: { readonly content?: string | null };
  readonly message?: { readonly content?: string | null };
  readonly finish_reason?: string | null;
}

interface Reply {
  readonly choices?: readonly Choice[];
  readonly usage?: { readonly prompt_tokens?: number };
  readonly error?: unknown;
}

export class OpenAiClient {
  private readonly base: URL;
  private readonly timeouts: Timeouts;
  private readonly retry: RetryPolicy;
  /** Kept-alive connections: a completion per keystroke should not pay a TCP (and TLS) handshake each. */
  private readonly agent: http.Agent;

  constructor(private readonly options: OpenAiClientOptions) {
    this.base = apiBase(options.baseUrl);
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.agent = this.base.protocol === 'https:' ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  }

  /** The server's origin, for messages and the status bar. */
  get origin(): string {
    return this.base.origin;
  }

  /** Closes the kept-alive connections. */
  dispose(): void {
    this.agent.destroy();
  }

  /** The models the server serves (base models and adapters alike). */
  async listModels(signal: AbortSignal): Promise<ServedModel[]> {
    const response = await this.send('GET', 'models', undefined, undefined, signal);
    const text = await response.text();
    if (response.status !== 200) throw statusError(response.status, text, this.origin, this.url('models').pathname, undefined, !!this.options.apiKey);
    const json = parseJson(text, this.origin) as { data?: readonly { id?: unknown; max_model_len?: unknown }[] };
    return (json.data ?? []).flatMap((model) =>
      typeof model.id === 'string' ? [{ id: model.id, ...(typeof model.max_model_len === 'number' && { contextLength: model.max_model_len }) }] : [],
    );
  }

  /** `/v1/completions` of `request.prompt` as it is (no template on the server side). */
  complete(request: CompletionRequest, onText: (text: string) => void, signal: AbortSignal): Promise<RemoteResult> {
    const body = {
      model: request.model,
      prompt: request.prompt,
      max_tokens: request.maxTokens,
      temperature: request.temperature,
      ...(request.stop.length > 0 && { stop: request.stop }),
      stream: request.stream,
    };
    return this.generate('completions', request.model, body, request.stream, (choice) => choice.text ?? '', onText, signal);
  }

  /** `/v1/chat/completions`, streamed (the server applies the model's chat template). */
  chat(request: ChatRequest, onText: (text: string) => void, signal: AbortSignal): Promise<RemoteResult> {
    const body = {
      model: request.model,
      messages: request.messages,
      max_tokens: request.maxTokens,
      temperature: request.temperature,
      top_p: request.topP,
      stream: true,
    };
    return this.generate('chat/completions', request.model, body, true, (choice) => choice.delta?.content ?? choice.message?.content ?? '', onText, signal);
  }

  private async generate(
    path: string,
    model: string,
    body: object,
    stream: boolean,
    textOf: (choice: Choice) => string,
    onText: (text: string) => void,
    signal: AbortSignal,
  ): Promise<RemoteResult> {
    const start = performance.now();
    const response = await this.send('POST', path, body, stream ? 'text/event-stream' : 'application/json', signal);
    if (response.status !== 200) {
      const text = await response.text();
      throw statusError(response.status, text, this.origin, this.url(path).pathname, model, !!this.options.apiKey);
    }
    let text = '';
    let finishReason: string | undefined;
    let promptTokens: number | undefined;
    let firstTokenMs: number | undefined;
    const take = (reply: Reply) => {
      if (reply.error !== undefined) {
        throw new RemoteError('server', `${this.origin} reported an error mid-reply: ${JSON.stringify(reply.error).slice(0, 300)}`, undefined, text);
      }
      const choice = reply.choices?.[0];
      if (reply.usage?.prompt_tokens !== undefined) promptTokens = reply.usage.prompt_tokens;
      if (!choice) return;
      const delta = textOf(choice);
      if (delta) {
        firstTokenMs ??= performance.now() - start;
        text += delta;
        onText(delta);
      }
      if (choice.finish_reason) finishReason = choice.finish_reason;
    };
    try {
      if (stream) {
        let done = false;
        const parser = new SseParser();
        for await (const chunk of response.body()) {
          for (const data of parser.push(chunk)) {
            if (data.trim() === '[DONE]') done = true;
            else if (!done) take(parseJson(data, this.origin) as Reply);
          }
          if (done) break;
        }
        const last = parser.end();
        if (last !== undefined && last.trim() !== '[DONE]') take(parseJson(last, this.origin) as Reply);
        // A server killed mid-reply may still close the connection cleanly; without `[DONE]` or a finish reason the reply is cut.
        if (!done && finishReason === undefined) throw new RemoteError('interrupted', `${this.origin} ended the stream without finishing the reply`);
      } else {
        take(parseJson(await response.text(), this.origin) as Reply);
      }
    } catch (error) {
      if (error instanceof RemoteError && error.kind === 'interrupted') {
        throw new RemoteError('interrupted', `${error.message} after ${text.length} characters of the reply; the server may have stopped or restarted`, undefined, text, { cause: error });
      }
      if (error instanceof RemoteError && !error.partialText && text) throw new RemoteError(error.kind, error.message, error.status, text, { cause: error });
      throw error;
    }
    const totalMs = performance.now() - start;
    return { text, finishReason: finishReason ?? 'stop', promptTokens, timeToFirstTokenMs: firstTokenMs ?? totalMs, totalMs };
  }

  private url(path: string): URL {
    return new URL(`${this.base.pathname}/${path}`, this.base);
  }

  private send(method: 'GET' | 'POST', path: string, body: object | undefined, accept: string | undefined, signal: AbortSignal): Promise<Exchange> {
    const headers: Record<string, string> = { accept: accept ?? 'application/json' };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    return exchange(this.url(path), method, headers, body, signal, { timeouts: this.timeouts, retry: this.retry, agent: this.agent });
  }
}

function parseJson(text: string, origin: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new RemoteError('server', `${origin} sent a reply that is not JSON: ${text.replace(/\s+/g, ' ').slice(0, 200)}`);
  }
}
