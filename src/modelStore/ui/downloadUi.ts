/**
 * @file The VS Code side of the model store: reads SmolCode's and VS Code's network settings,
 * and runs a download in a cancellable progress notification. All the work is in
 * `modelStore/`, which knows nothing of VS Code.
 */
import * as vscode from 'vscode';
import type { Settings } from '../../host/settings';
import { resolveEndpoint, resolveProxy, resolveToken } from '../hubConfig';
import { resolveTokenizerPath } from '../localFolder';
import { ensureModel, findCachedModel, type ModelRequest, type ResolvedModel, type StoreOptions, type StoreProgress } from '../modelStore';

/** Notification updates at most this often; progress arrives per network chunk. */
const REPORT_INTERVAL_MS = 250;

/** Store options from the settings: local folder, tokenizer folder, endpoint, VS Code's proxy, `HF_TOKEN`. */
export function storeOptionsFromSettings(settings: Settings, storageUri: vscode.Uri): StoreOptions {
  const http = vscode.workspace.getConfiguration('http');
  return {
    storageDir: storageUri.fsPath,
    localModelPath: settings.get('localModelPath').trim() || undefined,
    tokenizerPath: resolveTokenizerPath(settings.get('tokenizerPath')),
    endpoint: resolveEndpoint(settings.get('hubEndpoint')),
    token: resolveToken(),
    proxy: resolveProxy({
      url: http.get<string>('proxy'),
      strictSSL: http.get<boolean>('proxyStrictSSL'),
      noProxy: http.get<string[]>('noProxy'),
    }),
  };
}

const megabytes = (bytes: number) => (bytes / 1e6).toFixed(1);

/**
 * The model for `request`: straight from disk when it is there, otherwise downloaded under a
 * notification with per-file progress and a Cancel button. Cancelling rejects with an
 * `AbortError` (see `isAbortError`) and keeps partial files, so the next call resumes.
 */
export async function ensureModelWithProgress(
  request: ModelRequest,
  settings: Settings,
  storageUri: vscode.Uri,
): Promise<ResolvedModel> {
  const options = storeOptionsFromSettings(settings, storageUri);
  const cached = await findCachedModel(request, options);
  if (cached) return cached;
  return vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `SmolCode: downloading ${request.model} (${request.dtype}${request.weights ? ' and float weights' : ''})`,
      cancellable: true,
    },
    async (progress, token) => {
      const controller = new AbortController();
      const cancel = token.onCancellationRequested(() => controller.abort());
      let reportedPercent = 0;
      let lastReport = 0;
      const onProgress = (p: StoreProgress) => {
        const now = Date.now();
        const finished = p.fileTotal !== undefined && p.fileBytes >= p.fileTotal;
        if (now - lastReport < REPORT_INTERVAL_MS && !finished) return;
        lastReport = now;
        const percent = p.totalBytes > 0 ? (100 * p.doneBytes) / p.totalBytes : 0;
        const size = p.fileTotal !== undefined ? ` of ${megabytes(p.fileTotal)}` : '';
        progress.report({ increment: Math.max(0, percent - reportedPercent), message: `${p.file}: ${megabytes(p.fileBytes)}${size} MB` });
        reportedPercent = Math.max(reportedPercent, percent);
      };
      try {
        return await ensureModel(request, { ...options, signal: controller.signal, onProgress });
      } finally {
        cancel.dispose();
      }
    },
  );
}
