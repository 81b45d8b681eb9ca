/**
 * @file The errors of a remote OpenAI-compatible server, one `kind` per thing the user fixes
 * differently, each with a message that names the server and the fix. Also reads the error body
 * of the servers we target, which differ: OpenAI and llama.cpp send `{"error": {"message"}}`,
 * vLLM and SGLang `{"object": "error", "message"}`, FastAPI apps `{"detail"}`.
 */

export type RemoteErrorKind =
  /** Nothing answered at the URL (refused, unknown host, connect timeout). */
  | 'unreachable'
  /** 401/403: missing or wrong API key. */
  | 'auth'
  /** The server does not serve the model name we sent. */
  | 'model'
  /** 404 for the endpoint: the URL is not an OpenAI-compatible base. */
  | 'notFound'
  /** The server stopped sending (first byte or between chunks) for too long. */
  | 'timeout'
  /** The connection closed mid-reply; `partialText` holds what arrived. */
  | 'interrupted'
  /** 429/503 that outlasted the retries. */
  | 'busy'
  /** Any other refusal (400, 500, an unreadable reply). */
  | 'server';

/** A failed request to the remote server; `message` is meant for the user as it is. */
export class RemoteError extends Error {
  constructor(
    readonly kind: RemoteErrorKind,
    message: string,
    readonly status?: number,
    /** Text streamed before the failure (kept in the chat, dropped by completions). */
    readonly partialText = '',
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'RemoteError';
  }
}

/** The server's own words from an error body, or the body's start when it is not JSON. */
export function serverMessage(body: string): string {
  try {
    const json = JSON.parse(body) as unknown;
    const found = messageIn(json);
    if (found) return found;
  } catch {
    // Not JSON: an HTML error page from a proxy, or plain text.
  }
  return body.replace(/\s+/g, ' ').trim().slice(0, 300);
}

function messageIn(json: unknown): string | undefined {
  if (typeof json === 'string') return json;
  if (typeof json !== 'object' || json === null) return undefined;
  const record = json as Record<string, unknown>;
  for (const key of ['error', 'message', 'detail']) {
    const value = record[key];
    if (typeof value === 'string' && value) return value;
    if (Array.isArray(value)) return value.map((item) => messageIn(item) ?? JSON.stringify(item)).join('; ');
    const nested = messageIn(value);
    if (nested) return nested;
  }
  // FastAPI's validation errors: {"detail": [{"msg": ...}]}.
  if (typeof record.msg === 'string') return record.msg;
  return undefined;
}

/** Whether a server message says the requested model does not exist (vLLM: "The model `x` does not exist."). */
export function saysModelMissing(message: string): boolean {
  return /model/i.test(message) && /(does ?n[o']t exist|not (be )?found|unknown|no such|not served|invalid model)/i.test(message);
}

/** The error for an HTTP refusal `status` with `body`, for a request that named `model` to `origin`. */
export function statusError(status: number, body: string, origin: string, path: string, model: string | undefined, hadKey: boolean): RemoteError {
  const said = serverMessage(body);
  const quoted = said ? `: "${said}"` : '';
  if (status === 401 || status === 403) {
    const fix = hadKey
      ? 'the API key is wrong or has no access; set it again with "SmolCode: Set Remote API Key"'
      : 'the server needs an API key; set it with "SmolCode: Set Remote API Key"';
    return new RemoteError('auth', `${origin} refused the request (${status}${quoted}): ${fix}`, status);
  }
  if (model !== undefined && (status === 404 || status === 400 || status === 422) && saysModelMissing(said)) {
    return new RemoteError('model', `${origin} does not serve the model "${model}" (${status}${quoted}); check smolcode.remote.completionModel / smolcode.remote.chatModel or the adapter name`, status);
  }
  if (status === 404) {
    return new RemoteError('notFound', `${origin} has no ${path} (404${quoted}); smolcode.remote.url must be the base of an OpenAI-compatible API, such as http://host:8000/v1`, status);
  }
  if (status === 429 || status === 503) {
    return new RemoteError('busy', `${origin} is busy (${status}${quoted}); try again later`, status);
  }
  return new RemoteError('server', `${origin} answered ${status} to ${path}${quoted}`, status);
}
