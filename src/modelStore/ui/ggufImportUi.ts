/**
 * @file The VS Code side of using a GGUF file as the model (`smolcode.localModelPath` naming a
 * `.gguf`, or a pick from Ollama's or LM Studio's store): the import runs in the jobs worker under
 * a notification with progress and Cancel, once per file content; later loads find the imported
 * folder without asking the worker.
 */
import { basename } from 'node:path';
import type * as vscode from 'vscode';
import { throttled, withCancellableProgress } from '../../host/progress';
import type { WorkerClient } from '../../worker/client';
import { ggufImportRequest } from '../../worker/protocol';
import type { Dtype } from '../../model/configTypes';
import { findImportedGguf, type GgufImportProgress, type ImportedGguf } from '../ggufImports';

/** What importing needs from the extension. */
export interface GgufImportDeps {
  readonly storageUri: vscode.Uri;
  readonly jobs: WorkerClient;
  readonly log?: vscode.LogOutputChannel;
}

/** How a notification names a GGUF: its file name, an Ollama blob by its digest's first digits. */
export function ggufDisplayName(gguf: string): string {
  const name = basename(gguf);
  return /^sha256-[0-9a-f]{64}$/.test(name) ? `Ollama blob ${name.slice(0, 19)}…` : name;
}

/** Imports shown now, by file and dtype: completion and chat loading together share one notification. */
const inFlight = new Map<string, Promise<ImportedGguf>>();

/** The imported model folder of `gguf` for `dtype`, importing it first when needed. */
export function importGgufWithProgress(gguf: string, dtype: Dtype, deps: GgufImportDeps, signal?: AbortSignal): Promise<ImportedGguf> {
  const request = { storageDir: deps.storageUri.fsPath, gguf, dtype };
  const found = findImportedGguf(request);
  if (found) return Promise.resolve(found);
  const key = `${gguf}\0${dtype}`;
  let running = inFlight.get(key);
  if (!running) {
    const started = performance.now();
    running = Promise.resolve(
      withCancellableProgress(
        `SmolCode: importing ${ggufDisplayName(gguf)}`,
        (progress, jobSignal) => {
          const show = throttled((p: GgufImportProgress) => progress.report({ message: p.fraction === undefined ? p.message : `${p.message} (${Math.round(100 * p.fraction)}%)` }));
          return deps.jobs.job(ggufImportRequest, { request }, (p: GgufImportProgress) => show(p), jobSignal);
        },
        signal,
      ),
    ).then((imported) => {
      deps.log?.info(`imported ${gguf} into ${imported.dir} (${imported.variant}) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      return imported;
    });
    const settled = running.finally(() => inFlight.delete(key));
    settled.catch(() => undefined);
    inFlight.set(key, running);
  }
  return running;
}
