/**
 * @file Messages between the chat webview and the extension host, as discriminated unions
 * shared by both sides. Whatever arrives is checked with `parseFromWebview` /
 * `parseToWebview` before use: a webview is a separate page and its messages are untrusted.
 */

/** Messages the webview posts to the host. */
export type FromWebview = { readonly type: 'ready' };

/** Messages the host posts to the webview. */
export type ToWebview = {
  readonly type: 'status';
  readonly text: string;
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Returns the message if it is a well-formed `FromWebview`, else `undefined`. */
export function parseFromWebview(value: unknown): FromWebview | undefined {
  if (!isRecord(value)) return undefined;
  switch (value.type) {
    case 'ready':
      return { type: 'ready' };
    default:
      return undefined;
  }
}

/** Returns the message if it is a well-formed `ToWebview`, else `undefined`. */
export function parseToWebview(value: unknown): ToWebview | undefined {
  if (!isRecord(value)) return undefined;
  switch (value.type) {
    case 'status':
      return typeof value.text === 'string' ? { type: 'status', text: value.text } : undefined;
    default:
      return undefined;
  }
}
