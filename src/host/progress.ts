/**
 * @file Progress for long work in the extension host: a notification with a Cancel button whose
 * signal also follows an outside one, and a throttle for progress that arrives faster than a
 * notification should change.
 */
import * as vscode from 'vscode';

/** Progress messages at most this often; jobs report every file or step. */
export const REPORT_INTERVAL_MS = 200;

/** Calls `report` at most every `intervalMs`, except for calls marked `force`. */
export function throttled<T>(report: (value: T) => void, intervalMs = REPORT_INTERVAL_MS): (value: T, force?: boolean) => void {
  let last = 0;
  return (value, force = false) => {
    const now = Date.now();
    if (!force && now - last < intervalMs) return;
    last = now;
    report(value);
  };
}

/**
 * Runs `body` under a notification with a Cancel button. The signal given to `body` aborts on
 * Cancel and when `outside` aborts; a cancelled job rejects with an `AbortError`.
 */
export function withCancellableProgress<T>(
  title: string,
  body: (progress: vscode.Progress<{ message?: string; increment?: number }>, signal: AbortSignal) => Promise<T>,
  outside?: AbortSignal,
): Thenable<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    const controller = new AbortController();
    const abort = () => controller.abort();
    const cancel = token.onCancellationRequested(abort);
    outside?.addEventListener('abort', abort);
    try {
      if (outside?.aborted) abort();
      return await body(progress, controller.signal);
    } finally {
      cancel.dispose();
      outside?.removeEventListener('abort', abort);
    }
  });
}
