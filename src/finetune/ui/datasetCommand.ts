/**
 * @file The VS Code side of the dataset builder: the "SmolCode: Build Training Set from
 * Workspace" command. It picks the workspace folder, finds the chat model's tokenizer (its
 * ChatML template shapes the samples), runs the build in the jobs worker process (it reads
 * and tokenises thousands of files, which must not block the extension host) under a
 * cancellable progress notification, and opens the Markdown report in the preview. All the
 * work is in `dataset/`, which knows nothing of VS Code.
 */
import * as vscode from 'vscode';
import type { Settings } from '../../host/settings';
import { ensureModelWithProgress } from '../../modelStore/ui/downloadUi';
import { isAbortError } from '../../modelStore/errors';
import type { WorkerClient } from '../../worker/client';
import { OUTPUT_FILES } from '../dataset/pipeline';
import { withCancellableProgress } from '../../host/progress';
import { datasetDir, datasetOptionsFromSettings, perplexityModelDir, pickWorkspaceFolder, runDatasetJob } from './jobUi';
import { datasetSummary } from '../dataset/report';

export const BUILD_DATASET_COMMAND = 'smolcode.buildDataset';

/**
 * Registers the build command, which runs in `jobs`. The output goes to the workspace's
 * extension storage, outside the workspace, so it is never read back as source.
 */
export function registerDatasetCommand(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, settings: Settings, jobs: WorkerClient): vscode.Disposable {
  let running = false;
  return vscode.commands.registerCommand(BUILD_DATASET_COMMAND, async () => {
    if (running) {
      void vscode.window.showInformationMessage('SmolCode: a training set is already being built.');
      return;
    }
    const folder = await pickWorkspaceFolder('Folder to build the training set from');
    if (!folder) {
      if (!vscode.workspace.workspaceFolders?.length) void vscode.window.showWarningMessage('SmolCode: open a folder to build a training set from it.');
      return;
    }
    running = true;
    try {
      const out = datasetDir(context, folder);
      const options = datasetOptionsFromSettings(settings, folder, out);
      const models = { settings, storageUri: context.globalStorageUri, jobs, log };
      const model = await ensureModelWithProgress({ model: settings.get('chat.model'), dtype: settings.get('dtype') }, models);
      const scoringModel = await perplexityModelDir(models);
      const report = await withCancellableProgress(`SmolCode: building a training set from ${folder.name}`, (progress, signal) =>
        runDatasetJob(jobs, options, model.tokenizerDir, (message) => progress.report({ message }), signal, scoringModel),
      );
      log.info(`${BUILD_DATASET_COMMAND}: ${datasetSummary(report)}; written to ${out.fsPath}`);
      await vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.joinPath(out, OUTPUT_FILES.reportMarkdown));
      void vscode.window.showInformationMessage(`SmolCode: ${datasetSummary(report)}.`);
    } catch (error) {
      if (isAbortError(error)) {
        log.info(`${BUILD_DATASET_COMMAND}: cancelled`);
        return;
      }
      const message = (error as Error).message;
      log.error(`${BUILD_DATASET_COMMAND}: ${message}`);
      void vscode.window.showErrorMessage(`SmolCode: could not build the training set: ${message}`, 'Show Log').then((pick) => pick && log.show());
    } finally {
      running = false;
    }
  });
}
