/**
 * @file One HTTP(S) request with Node's own `http`/`https`, optionally through a proxy by a
 * CONNECT tunnel. Node's `http` rather than `fetch` because Node 20's built-in fetch cannot use
 * a proxy without the `undici` package, which is not a dependency and needs a newer Node than
 * the Electron of older VS Code releases.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { bypassesProxy, type ProxyConfig } from './hubConfig';

/** Connection settings shared by every request of a download. */
export interface HttpOptions {
  readonly proxy?: ProxyConfig;
  readonly signal?: AbortSignal;
  /** Idle time after which a silent connection counts as dropped. */
  readonly timeoutMs: number;
}

function timeoutError(host: string, ms: number): Error {
  return Object.assign(new Error(`${host} sent nothing for ${ms} ms`), { code: 'ETIMEDOUT' });
}

/** Sends `method url` and resolves with the response, whatever its status; redirects are not followed. */
export async function sendRequest(
  url: URL,
  method: 'GET' | 'HEAD',
  headers: Record<string, string>,
  options: HttpOptions,
): Promise<IncomingMessage> {
  const useProxy = options.proxy && !bypassesProxy(url.hostname, options.proxy.noProxy);
  const tunnel = useProxy && options.proxy ? await openTunnel(url, options.proxy, options) : undefined;
  return new Promise((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const request = client.request(
      url,
      {
        method,
        headers,
        signal: options.signal,
        timeout: options.timeoutMs,
        ...(tunnel ? { createConnection: () => tunnel } : {}),
      },
      resolve,
    );
    request.on('timeout', () => request.destroy(timeoutError(url.host, options.timeoutMs)));
    request.on('error', (error) => {
      tunnel?.destroy();
      reject(error);
    });
    request.end();
  });
}

/**
 * A socket to `url`'s host through `proxy`: CONNECT host:port, then TLS to the target for https
 * (checked unless `strictSSL` is off). Plain-http targets are tunnelled too, so that one code
 * path serves both.
 */
async function openTunnel(url: URL, proxy: ProxyConfig, options: HttpOptions): Promise<Duplex> {
  const proxyUrl = new URL(proxy.url);
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const authority = `${url.hostname}:${port}`;
  const headers: Record<string, string> = { host: authority };
  if (proxyUrl.username) {
    const credentials = `${decodeURIComponent(proxyUrl.username)}:${decodeURIComponent(proxyUrl.password)}`;
    headers['proxy-authorization'] = `Basic ${Buffer.from(credentials).toString('base64')}`;
  }
  const client = proxyUrl.protocol === 'https:' ? https : http;
  const socket = await new Promise<Duplex>((resolve, reject) => {
    const request = client.request({
      host: proxyUrl.hostname,
      port: proxyUrl.port || (proxyUrl.protocol === 'https:' ? 443 : 80),
      method: 'CONNECT',
      path: authority,
      headers,
      signal: options.signal,
      timeout: options.timeoutMs,
      rejectUnauthorized: proxy.strictSSL,
    });
    request.on('connect', (response: IncomingMessage, raw: Duplex) => {
      if (response.statusCode === 200) return resolve(raw);
      raw.destroy();
      // 407 and 403 will not change on retry; the code tells the retry logic.
      const code = response.statusCode === 407 || response.statusCode === 403 ? 'EPROXYREFUSED' : 'EPROXY';
      reject(Object.assign(new Error(`proxy ${proxyUrl.host} answered ${response.statusCode} to CONNECT ${authority}`), { code }));
    });
    request.on('timeout', () => request.destroy(timeoutError(proxyUrl.host, options.timeoutMs)));
    request.on('error', reject);
    request.end();
  });
  if (url.protocol !== 'https:') return socket;
  return tls.connect({ socket, servername: url.hostname, rejectUnauthorized: proxy.strictSSL });
}
