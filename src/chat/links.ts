/**
 * @file Which links from model output may be opened: only http(s) URLs, and only through
 * VS Code (`env.openExternal`) after the user clicked one. Anything else, `javascript:` and
 * `command:` included, is refused.
 */

const ALLOWED_PROTOCOLS = new Set(['http:', 'https:']);

/** The normalised URL if `href` may be opened externally, else `undefined`. */
export function externalUrl(href: string): string | undefined {
  let url: URL;
  try {
    url = new URL(href.trim());
  } catch {
    return undefined;
  }
  return ALLOWED_PROTOCOLS.has(url.protocol) ? url.toString() : undefined;
}
