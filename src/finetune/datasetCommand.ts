/**
 * @file The VS Code side of the dataset builder: the "SmolCode: Build Training Set from
 * Workspace" command. It picks the workspace folder, finds the chat model's tokenizer (its
 * ChatML template shapes the samples), runs the build in the jobs worker process (it reads
 * and tokenises thousands of files, which must not block the extension host) under a
 * cancellable progress notification, and opens the Markdown report in the preview. All the
 * work is in `dataset/`, which knows nothing of VS Code.
 */
import * as vscode from 'vscode';
import type { Settings } from '../config';
import { ensureModelWithProgress } from '../inference/downloadUi';
import { isAbortError } from '../inference/modelStore/errors';
import type { WorkerClient } from '../inference/workerClient';
import { datasetBuildRequest, type DatasetProgress } from '../shared/workerProtocol';
import { parseLanguageNames } from './dataset/languages';
import { OUTPUT_FILES, type DatasetOptions } from './dataset/pipeline';
import type { DatasetReport } from './dataset/report';
import { parseMixture } from './dataset/types';

export const BUILD_DATASET_COMMAND = 'smolcode.buildDataset';

/** Progress messages at most this often; a scan reports every file. */
const REPORT_INTERVAL_MS = 200;

async function pickFolder(): Promise<vscode.WorkspaceFolder | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length <= 1) return folders[0];
  return vscode.window.showWorkspaceFolderPick({ placeHolder: 'Folder to build the training set from' });
}

/** The build options from the settings (scoped to the folder); bad values throw, naming themselves. */
function optionsFor(settings: Settings, folder: vscode.WorkspaceFolder, out: vscode.Uri): DatasetOptions {
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

function summary(report: DatasetReport): string {
  const count = (split: keyof DatasetReport['splits']) => Object.values(report.splits[split].samples).reduce((a, b) => a + b, 0);
  return `${report.files.kept} of ${report.files.seen} files kept; ${count('train')} training and ${count('validation')} validation samples`;
}

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
    const folder = await pickFolder();
    if (!folder) {
      if (!vscode.workspace.workspaceFolders?.length) void vscode.window.showWarningMessage('SmolCode: open a folder to build a training set from it.');
      return;
    }
    running = true;
    try {
      const out = vscode.Uri.joinPath(context.storageUri ?? context.globalStorageUri, 'dataset', folder.name);
      const options = optionsFor(settings, folder, out);
      const model = await ensureModelWithProgress({ model: settings.get('chat.model'), dtype: settings.get('dtype') }, settings, context.globalStorageUri);
      const report = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `SmolCode: building a training set from ${folder.name}`, cancellable: true },
        async (progress, token) => {
          const controller = new AbortController();
          const cancel = token.onCancellationRequested(() => controller.abort());
          let last = 0;
          try {
            const onProgress = ({ phase, done, total, path }: DatasetProgress) => {
              const now = Date.now();
              if (now - last < REPORT_INTERVAL_MS) return;
              last = now;
              const what = phase === 'scan' ? `scanning ${done} files` : `${phase === 'samples' ? 'writing samples' : 'scoring'} ${done}/${total ?? '?'}`;
              progress.report({ message: `${what}: ${path}` });
            };
            return await jobs.job(datasetBuildRequest, { options, tokenizerDir: model.tokenizerDir }, onProgress, controller.signal);
          } finally {
            cancel.dispose();
          }
        },
      );
      log.info(`${BUILD_DATASET_COMMAND}: ${summary(report)}; written to ${out.fsPath}`);
      await vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.joinPath(out, OUTPUT_FILES.reportMarkdown));
      void vscode.window.showInformationMessage(`SmolCode: ${summary(report)}.`);
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
