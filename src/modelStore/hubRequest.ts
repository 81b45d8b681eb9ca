/**
 * @file Requests to the hub's `resolve` URLs: redirects followed by hand (the hub sends LFS
 * files to a CDN on another host with a 302), the token sent to the hub's own origin only,
 * and the file's size and SHA-256 read from the hub's headers, never from the CDN's.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { sendRequest, type HttpOptions } from './httpRequest';

/** Redirect hops allowed before giving up; the hub uses one or two. */
const MAX_REDIRECTS = 5;

/** What the hub says about a file before its bytes arrive. */
export interface HubFileMeta {
  /** Size in bytes, when announced. */
  readonly size?: number;
  /** Lower-case hex SHA-256, for LFS files only. */
  readonly sha256?: string;
}

/** Where and how to reach the hub. */
export interface HubTarget {
  /** Base URL, e.g. `https://huggingface.co`. */
  readonly endpoint: string;
  /** Sent as `Authorization: Bearer` to the endpoint's origin only. */
  readonly token?: string;
  readonly http: HttpOptions;
}

/** `${endpoint}/${repo}/resolve/${revision}/${file}`, with each path segment escaped. */
export function resolveUrl(endpoint: string, repo: string, revision: string, file: string): URL {
  const segments = (path: string) => path.split('/').map(encodeURIComponent).join('/');
  return new URL(`${endpoint}/${segments(repo)}/resolve/${encodeURIComponent(revision)}/${segments(file)}`);
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Size and SHA-256 from one hub response. LFS files carry `x-linked-size` and `x-linked-etag`
 * (the quoted hex SHA-256; older answers only put it in `ETag`). A regular file's `ETag` is
 * its git blob SHA-1, which is not a content hash, so without `x-linked-*` only the length is
 * used. See https://huggingface.co/docs/huggingface_hub/guides/manage-cache.
 */
export function metaFromHeaders(headers: IncomingHttpHeaders): HubFileMeta {
  const linkedSize = header(headers, 'x-linked-size');
  const linkedEtag = header(headers, 'x-linked-etag');
  const isLfs = linkedSize !== undefined || linkedEtag !== undefined;
  const rawSize = isLfs ? linkedSize : header(headers, 'content-length');
  const size = rawSize !== undefined && /^\d+$/.test(rawSize) ? Number(rawSize) : undefined;
  const etag = (linkedEtag ?? header(headers, 'etag') ?? '').replace(/^W\//, '').replace(/"/g, '').toLowerCase();
  const sha256 = isLfs && /^[0-9a-f]{64}$/.test(etag) ? etag : undefined;
  return { size, sha256 };
}

function isRedirect(status: number | undefined): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/** A response at the end of the redirect chain, with what the hub said along the way. */
export interface HubResponse {
  readonly response: IncomingMessage;
  /** The URL that produced `response`. */
  readonly url: URL;
  /** From the last hub-origin response that announced LFS metadata, else the final response if it is the hub's. */
  readonly meta: HubFileMeta;
}

/**
 * Sends `method` to `url` and follows redirects, relative or absolute (a HEAD stops at the
 * redirect that carries LFS metadata, so its response may be a 3xx). `Range` and other
 * `headers` go to every hop; the token goes only to hops on the endpoint's origin, so a CDN
 * (or anyone the hub redirects to) never sees it.
 */
export async function openHub(
  target: HubTarget,
  start: URL,
  method: 'GET' | 'HEAD',
  headers: Record<string, string>,
): Promise<HubResponse> {
  const hubOrigin = new URL(target.endpoint).origin;
  let url = start;
  let lfsMeta: HubFileMeta | undefined;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    // Identity encoding keeps byte offsets and lengths those of the file itself, which Range and the size check rely on.
    const hopHeaders: Record<string, string> = { ...headers, 'accept-encoding': 'identity', 'user-agent': 'smolcode' };
    if (target.token && url.origin === hubOrigin) hopHeaders.authorization = `Bearer ${target.token}`;
    const response = await sendRequest(url, method, hopHeaders, target.http);
    const fromHub = url.origin === hubOrigin;
    if (fromHub && (response.headers['x-linked-size'] || response.headers['x-linked-etag'])) {
      lfsMeta = metaFromHeaders(response.headers);
    }
    const location = response.headers.location;
    // A HEAD stops once the hub has named size and hash: CDN links are often signed for GET only.
    if (!isRedirect(response.statusCode) || !location || (method === 'HEAD' && lfsMeta)) {
      const meta = lfsMeta ?? (fromHub ? metaFromHeaders(response.headers) : {});
      return { response, url, meta };
    }
    response.resume();
    url = new URL(location, url);
  }
  throw new Error(`more than ${MAX_REDIRECTS} redirects from ${start.href}`);
}
