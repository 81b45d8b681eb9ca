/**
 * @file The VS Code side of the model store: reads SmolCode's and VS Code's network settings,
 * and runs a download in a cancellable progress notification, or, when `smolcode.localModelPath`
 * names a GGUF file, its import. All the work is in `modelStore/`, which knows nothing of VS Code.
 */
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { Settings } from '../../host/settings';
import { VARIANT_FILE, type Dtype } from '../../model/configTypes';
import type { WorkerClient } from '../../worker/client';
import { isGgufPath } from '../ggufImports';
import { importGgufWithProgress } from './ggufImportUi';
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

/** What getting a model needs from the extension. */
export interface ModelDeps {
  readonly settings: Settings;
  /** SmolCode's global storage: downloads and GGUF imports live below it. */
  readonly storageUri: vscode.Uri;
  /** The jobs worker, which imports GGUF files. */
  readonly jobs: WorkerClient;
  readonly log?: vscode.LogOutputChannel;
}

/** A model ready to load, and the ONNX variant to load when it is not the requested dtype (a GGUF import has no q4f16). */
export type ModelForRequest = ResolvedModel & { readonly dtype?: Dtype };

/**
 * The model for `request`: straight from disk when it is there, otherwise downloaded under a
 * notification with per-file progress and a Cancel button (or, for a GGUF `localModelPath`,
 * imported as a job). Cancelling rejects with an `AbortError` (see `isAbortError`) and keeps
 * partial downloads, so the next call resumes.
 */
export async function ensureModelWithProgress(request: ModelRequest, deps: ModelDeps, signal?: AbortSignal): Promise<ModelForRequest> {
  const { settings, storageUri } = deps;
  const local = settings.get('localModelPath').trim();
  if (isGgufPath(local)) {
    const imported = await importGgufWithProgress(local, request.dtype as Dtype, deps, signal);
    const onnxPath = join(imported.dir, 'onnx', VARIANT_FILE[imported.variant]);
    return { source: 'local', dir: imported.dir, onnxPath, tokenizerDir: imported.dir, dtype: imported.variant === request.dtype ? undefined : imported.variant };
  }
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
