/**
 * @file VS Code pieces shared by the commands that run jobs in the jobs worker (building the
 * training set, fine-tuning, merging): the workspace folder picker, the dataset options from
 * the settings, the dataset job with its progress messages, and a cancellable progress
 * notification that also stops when an outside signal (a "Cancel" command) aborts.
 */
import * as vscode from 'vscode';
import type { Settings } from '../../host/settings';
import { ensureModelWithProgress } from '../../modelStore/ui/downloadUi';
import type { WorkerClient } from '../../worker/client';
import type { DatasetProgress } from '../stages';
import { workerStages } from './workerStages';
import { parseLanguageNames } from '../dataset/languages';
import type { DatasetOptions } from '../dataset/pipeline';
import type { DatasetReport } from '../dataset/report';
import { parseMixture } from '../dataset/types';

/** Progress messages at most this often; jobs report every file or step. */
export const REPORT_INTERVAL_MS = 200;

/** The workspace folder to work on: the only one, or the user's pick; undefined when none or dismissed. */
export async function pickWorkspaceFolder(placeHolder: string): Promise<vscode.WorkspaceFolder | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length <= 1) return folders[0];
  return vscode.window.showWorkspaceFolderPick({ placeHolder });
}

/** Where the training set of `folder` goes: the workspace's extension storage, outside the workspace. */
export function datasetDir(context: vscode.ExtensionContext, folder: vscode.WorkspaceFolder): vscode.Uri {
  return vscode.Uri.joinPath(context.storageUri ?? context.globalStorageUri, 'dataset', folder.name);
}

/** The build options from the settings (scoped to the folder); bad values throw, naming themselves. */
export function datasetOptionsFromSettings(settings: Settings, folder: vscode.WorkspaceFolder, out: vscode.Uri): DatasetOptions {
  return {
    workspace: folder.uri.fsPath,
    out: out.fsPath,
    repoName: folder.name,
    seqLen: settings.get('dataset.seqLen', folder.uri),
    minScore: settings.get('dataset.minScore', folder.uri),
    seed: settings.get('dataset.seed', folder.uri),
    languages: parseLanguageNames(settings.get('dataset.languages', folder.uri)),
    mixture: parseMixture(settings.get('dataset.mixture', folder.uri)),
  };
}


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
 * The base model folder the perplexity filter scores files with, when
 * `smolcode.dataset.perplexityFilter` is on: the completion model in fp32, since the scorer
 * runs the plain graph over whole file heads.
 */
export async function perplexityModelDir(settings: Settings, storageUri: vscode.Uri): Promise<string | undefined> {
  if (!settings.get('dataset.perplexityFilter')) return undefined;
  const model = await ensureModelWithProgress({ model: settings.get('completion.model'), dtype: 'fp32' }, settings, storageUri);
  return model.dir;
}

/** A line saying where a dataset build stands. */
export function datasetProgressMessage({ phase, done, total, path }: DatasetProgress): string {
  const what = phase === 'scan' ? `scanning ${done} files` : `${phase === 'samples' ? 'writing samples' : 'scoring'} ${done}/${total ?? '?'}`;
  return `${what}: ${path}`;
}

/** Builds the training set in `jobs`, reporting scan and sample progress as notification messages. */
export function runDatasetJob(
  jobs: WorkerClient,
  options: DatasetOptions,
  tokenizerDir: string,
  report: (message: string) => void,
  signal: AbortSignal,
  perplexityModelDir?: string,
): Promise<DatasetReport> {
  const onProgress = throttled((progress: DatasetProgress) => report(datasetProgressMessage(progress)));
  return workerStages(jobs).buildDataset(options, tokenizerDir, perplexityModelDir, (progress) => onProgress(progress), signal);
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
