/**
 * @file Where downloads go and how: the hub endpoint, the access token and the proxy, each
 * from an explicit value (a setting) first and the conventional environment variable second,
 * so that the extension, the worker and the CLI agree.
 */
import { hubEndpointFromEnv, hubTokenFromEnv, processEnv, proxyFromEnv, type Env } from '../env';

/** The public hub. */
export const DEFAULT_ENDPOINT = 'https://huggingface.co';

/** A proxy as VS Code's `http.proxy` setting writes it, with the settings that go with it. */
export interface ProxyConfig {
  /** `http://[user:pass@]host:port` or `https://…`. */
  readonly url: string;
  /** Verify TLS certificates behind the proxy (`http.proxyStrictSSL`); off for inspecting proxies. */
  readonly strictSSL: boolean;
  /** Hosts (or `.domain` suffixes) reached directly (`http.noProxy`, `NO_PROXY`). */
  readonly noProxy: readonly string[];
}


/**
 * The hub base URL: the setting when it differs from the public hub, else `HF_ENDPOINT`, else
 * the public hub. The setting's default equals the public hub, so an untouched setting lets
 * `HF_ENDPOINT` through. Throws naming the value unless it is an http(s) URL.
 */
export function resolveEndpoint(setting: string | undefined, env: Env = processEnv()): string {
  const chosen = [setting, hubEndpointFromEnv(env)].map((v) => v?.trim()).find((v) => v && v.replace(/\/+$/, '') !== DEFAULT_ENDPOINT);
  const endpoint = (chosen ?? DEFAULT_ENDPOINT).replace(/\/+$/, '');
  let protocol: string;
  try {
    protocol = new URL(endpoint).protocol;
  } catch {
    throw new Error(`hub endpoint "${endpoint}" is not a URL; expected e.g. ${DEFAULT_ENDPOINT}`);
  }
  if (protocol !== 'https:' && protocol !== 'http:') {
    throw new Error(`hub endpoint "${endpoint}" must be http: or https:, not ${protocol}`);
  }
  return endpoint;
}

/** The hub token from `HF_TOKEN` (or the older `HUGGING_FACE_HUB_TOKEN`), if any. */
export function resolveToken(env: Env = processEnv()): string | undefined {
  return hubTokenFromEnv(env);
}

/**
 * The proxy: `setting` (VS Code's `http.proxy`) when set, else `HTTPS_PROXY` / `HTTP_PROXY`
 * (either case), which VS Code itself also honours. Throws naming the value unless it is an
 * http(s) URL.
 */
export function resolveProxy(
  setting: { url?: string; strictSSL?: boolean; noProxy?: readonly string[] },
  env: Env = processEnv(),
): ProxyConfig | undefined {
  const url = setting.url?.trim() || proxyFromEnv(env);
  if (!url) return undefined;
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new Error(`proxy "${url}" is not a URL; expected http://host:port`);
  }
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new Error(`proxy "${url}" must be http: or https:, not ${protocol} (SOCKS proxies are not supported)`);
  }
  const fromEnv = (env.NO_PROXY ?? env.no_proxy ?? '').split(',').map((h) => h.trim()).filter((h) => h);
  return { url, strictSSL: setting.strictSSL ?? true, noProxy: [...(setting.noProxy ?? []), ...fromEnv] };
}

/** Whether `host` (no port) is reached without the proxy: exact, `.suffix` / `*.suffix` or `*`. */
export function bypassesProxy(host: string, noProxy: readonly string[]): boolean {
  const name = host.toLowerCase();
  return noProxy.some((entry) => {
    const rule = entry.toLowerCase().replace(/^\*/, '').replace(/:\d+$/, '');
    if (rule === '') return true;
    return rule.startsWith('.') ? name.endsWith(rule) || name === rule.slice(1) : name === rule || name.endsWith(`.${rule}`);
  });
}
