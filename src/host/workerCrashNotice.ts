/**
 * @file What the user sees when a model worker keeps crashing: the worker client stops
 * restarting it and reports that once, and this shows it once, as one error notification with
 * Restart and Show Log and an error in the status bar, rather than one notification per failed
 * completion request.
 */
import * as vscode from 'vscode';
import { WorkerCrashLoopError } from '../worker/client';
import type { StatusModel } from './statusBar';

const RESTART_ACTION = 'Restart';
const SHOW_LOG_ACTION = 'Show Log';

export interface WorkerCrashNoticeDeps {
  readonly log: vscode.LogOutputChannel;
  readonly status: StatusModel;
  /** Lets the worker start again (`WorkerClient.restart`). */
  readonly restart: () => void;
}

/**
 * Shows a worker's crash loop; Restart clears the status error and starts the worker on the
 * next request. Show Log shows the notification again, so Restart stays within reach.
 */
export async function showWorkerCrashLoop(error: WorkerCrashLoopError, deps: WorkerCrashNoticeDeps): Promise<void> {
  deps.status.setError(crashLoopStatus(error));
  for (;;) {
    const pick = await vscode.window.showErrorMessage(`SmolCode: ${error.message}`, RESTART_ACTION, SHOW_LOG_ACTION);
    if (pick !== SHOW_LOG_ACTION) {
      if (pick === RESTART_ACTION) {
        deps.status.setError(undefined);
        deps.restart();
      }
      return;
    }
    deps.log.show();
  }
}

/** The status bar's short form of a crash loop (the notification has the whole story). */
export function crashLoopStatus(error: WorkerCrashLoopError): string {
  return `the model worker crashed ${error.crashes} times (${error.lastExit})`;
}

/** Whether an error is the crash loop that `showWorkerCrashLoop` already reported. */
export function isWorkerCrashLoop(error: Error): error is WorkerCrashLoopError {
  return error instanceof WorkerCrashLoopError;
}
