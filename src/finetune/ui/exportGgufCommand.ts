/**
 * @file "SmolCode: Export Model as GGUF": the chat or completion model as SmolCode runs it (the
 * role's model with the adapter selected for it merged in) written as a GGUF file for llama.cpp,
 * Ollama and LM Studio. The user picks the role, F16 or Q8_0, and the file; the export runs in
 * the jobs worker (finetune/exportGguf.ts) under a notification with per-tensor progress and
 * Cancel, and a cancelled or failed export leaves no file.
 */
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import * as vscode from 'vscode';
import { throttled, withCancellableProgress } from '../../host/progress';
import type { Settings } from '../../host/settings';
import type { Role } from '../../model/configTypes';
import type { GgufExportType } from '../../model/ggufExport';
import { isAbortError } from '../../modelStore/errors';
import { ensureModelWithProgress } from '../../modelStore/ui/downloadUi';
import type { WorkerClient } from '../../worker/client';
import { ggufExportRequest, type GgufExportProgress } from '../../worker/protocol';
import { adapterSettingKey } from './adapterCommands';

export const EXPORT_GGUF_COMMAND = 'smolcode.exportGguf';

/** What the command needs from the extension. */
export interface ExportGgufDeps {
  readonly context: vscode.ExtensionContext;
  readonly log: vscode.LogOutputChannel;
  readonly settings: Settings;
  readonly jobs: WorkerClient;
}

async function pickRole(settings: Settings): Promise<Role | undefined> {
  const describe = (role: Role) => {
    const adapter = settings.get(adapterSettingKey(role)).trim();
    return adapter ? `with adapter ${basename(adapter)} merged in` : 'no adapter';
  };
  const items = [
    { label: 'Chat model', description: describe('chat'), role: 'chat' as const },
    { label: 'Completion model', description: describe('completion'), role: 'completion' as const },
  ];
  return (await vscode.window.showQuickPick(items, { title: 'SmolCode: Export which model as GGUF?' }))?.role;
}

async function pickType(): Promise<GgufExportType | undefined> {
  const items = [
    { label: 'Q8_0', description: '8-bit blocks, about half the size of F16', type: 'q8_0' as const },
    { label: 'F16', description: '16-bit floats, what SmolCode computes within rounding', type: 'f16' as const },
  ];
  return (await vscode.window.showQuickPick(items, { title: 'SmolCode: GGUF tensor type' }))?.type;
}

/** Registers the command; see the file header. */
export function registerExportGgufCommand({ context, log, settings, jobs }: ExportGgufDeps): vscode.Disposable {
  return vscode.commands.registerCommand(EXPORT_GGUF_COMMAND, async () => {
    const role = await pickRole(settings);
    if (!role) return;
    const type = await pickType();
    if (!type) return;
    const uri = await vscode.window.showSaveDialog({
      title: 'SmolCode: Export Model as GGUF',
      defaultUri: vscode.Uri.file(join(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? homedir(), `smolcode-${role}-${type}.gguf`)),
      filters: { GGUF: ['gguf'] },
    });
    if (!uri) return;
    const adapter = settings.get(adapterSettingKey(role)).trim();
    const models = { settings, storageUri: context.globalStorageUri, jobs, log };
    try {
      const result = await withCancellableProgress(`SmolCode: exporting ${basename(uri.fsPath)}`, async (progress, signal) => {
        const model = await ensureModelWithProgress({ model: settings.get(role === 'chat' ? 'chat.model' : 'completion.model'), dtype: settings.get('dtype'), weights: true }, models, signal);
        let shown = 0;
        const show = throttled((p: GgufExportProgress) => {
          const percent = Math.round((100 * p.written) / p.total);
          progress.report({ message: `${p.written}/${p.total} tensors`, increment: percent - shown });
          shown = percent;
        });
        const options = { modelDir: model.dir, adapterDir: adapter || undefined, out: uri.fsPath, type };
        return jobs.job(ggufExportRequest, { options }, show, signal);
      });
      log.info(`exported the ${role} model${adapter ? ` with ${adapter}` : ''} to ${result.path} (${(result.bytes / 1e6).toFixed(1)} MB, ${JSON.stringify(result.census)})`);
      const reveal = 'Reveal File';
      const choice = await vscode.window.showInformationMessage(
        `SmolCode: exported ${basename(result.path)} (${(result.bytes / 1e6).toFixed(0)} MB). For Ollama: a Modelfile with "FROM ./${basename(result.path)}", then "ollama create NAME -f Modelfile".`,
        reveal,
      );
      if (choice === reveal) await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(result.path));
    } catch (error) {
      if (isAbortError(error)) {
        void vscode.window.showInformationMessage(`SmolCode: export cancelled; nothing was written to ${basename(uri.fsPath)}.`);
        return;
      }
      log.error(`GGUF export failed: ${(error as Error).message}`);
      void vscode.window.showErrorMessage(`SmolCode: could not export the model as GGUF: ${(error as Error).message}`);
    }
  });
}
