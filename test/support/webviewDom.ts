/**
 * @file The globals the chat webview's modules expect, on jsdom: `window`, `document`,
 * `requestAnimationFrame` (frames run when a test calls `runFrames`) and `acquireVsCodeApi`
 * (posted messages are collected in `posted`). Import it before any webview-ui module, which
 * reads these while loading; node's test runner gives each test file its own process.
 */
import { JSDOM } from 'jsdom';

export const dom = new JSDOM('<!doctype html><html><body><div id="app"></div></body></html>');

/** Messages the webview posted to the "host". */
export const posted: unknown[] = [];

const frames: FrameRequestCallback[] = [];

/** Runs the animation frames requested so far. */
export function runFrames(): void {
  for (const frame of frames.splice(0)) frame(0);
}

Object.assign(globalThis, {
  window: dom.window,
  document: dom.window.document,
  requestAnimationFrame: (callback: FrameRequestCallback) => frames.push(callback),
  acquireVsCodeApi: () => ({ postMessage: (message: unknown) => posted.push(message) }),
});
