/**
 * @file The webview's typed handle on VS Code: messages to the host go through `post`, so only
 * `FromWebview` messages can be sent.
 */
import type { FromWebview } from '../src/shared/protocol';

interface VsCodeApi {
  postMessage(message: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const api = acquireVsCodeApi();

/** Posts a message to the extension host. */
export function post(message: FromWebview): void {
  api.postMessage(message);
}
