/**
 * @file The chat webview's HTML shell: a strict Content-Security-Policy with a per-load nonce,
 * scripts and styles only from the extension's own files. Model output is never placed here;
 * the script renders it after sanitising.
 */
import { randomBytes } from 'node:crypto';

export interface WebviewAssets {
  /** The webview's `cspSource`, allowed for styles, fonts and images. */
  readonly cspSource: string;
  readonly scriptUri: string;
  readonly styleUri: string;
  /** codicon.css, whose font loads from `cspSource`. */
  readonly codiconUri: string;
}

/** A fresh random nonce for one rendering of the page. */
export function makeNonce(): string {
  return randomBytes(18).toString('base64');
}

/** Builds the page; only the script carrying `nonce` may run, and no inline styles apply. */
export function chatHtml(assets: WebviewAssets, nonce: string): string {
  const csp = [
    "default-src 'none'",
    `style-src ${assets.cspSource}`,
    `font-src ${assets.cspSource}`,
    `img-src ${assets.cspSource} data:`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${assets.codiconUri}">
<link rel="stylesheet" href="${assets.styleUri}">
<title>SmolCode Chat</title>
</head>
<body>
<main id="app"></main>
<script nonce="${nonce}" src="${assets.scriptUri}"></script>
</body>
</html>`;
}
