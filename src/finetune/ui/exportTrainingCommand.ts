/**
 * @file "SmolCode: Export Training Recipe": the palette side of `smolcode export-training`. It
 * asks for the workspace folder, the role and an output folder, builds the training set in the
 * jobs worker (it tokenizes the whole workspace, which must not block the extension host) under
 * a cancellable progress notification, writes the recipe (finetune/export, no VS Code) with the
 * `smolcode.finetune.*` settings the local fine-tuning uses, and opens its README.
 */
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { Settings } from '../../host/settings';
import { throttled, withCancellableProgress } from '../../host/progress';
import { catalogEntry } from '../../modelStore/catalog';
import { isAbortError } from '../../modelStore/errors';
import { ensureModelWithProgress } from '../../modelStore/ui/downloadUi';
import type { WorkerClient } from '../../worker/client';
import { datasetSummary } from '../dataset/report';
import { exportTrainingRecipe, RECIPE_README, recipeFolderFor } from '../export/exportRecipe';
import type { DatasetProgress } from '../stages';
import { pickRole } from './finetuneCommand';
import { finetuneOptionsFrom } from './finetuneSettings';
import { datasetOptionsFromSettings, datasetProgressMessage, finetuneSettingValues, perplexityModelDir, pickWorkspaceFolder } from './jobUi';
import { workerStages } from './workerStages';

export const EXPORT_TRAINING_COMMAND = 'smolcode.exportTraining';

/** Registers the export command; one export at a time. */
export function registerExportTrainingCommand(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, settings: Settings, jobs: WorkerClient): vscode.Disposable {
  let running = false;
  return vscode.commands.registerCommand(EXPORT_TRAINING_COMMAND, async () => {
    if (running) {
      void vscode.window.showInformationMessage('SmolCode: a training recipe is already being exported.');
      return;
    }
    const folder = await pickWorkspaceFolder('Folder to export a training recipe for');
    if (!folder) {
      if (!vscode.workspace.workspaceFolders?.length) void vscode.window.showWarningMessage('SmolCode: open a folder to export a training recipe for it.');
      return;
    }
    const role = await pickRole();
    if (!role) return;
    const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Export Recipe Here', title: 'Folder for the training recipe' });
    if (!picked?.[0]) return;
    running = true;
    try {
      const outDir = recipeFolderFor(picked[0].fsPath, folder.name, role);
      const models = { settings, storageUri: context.globalStorageUri, jobs, log };
      // The chat samples are shaped with the Instruct tokenizer's template, as the dataset command does.
      const chatModel = await ensureModelWithProgress({ model: settings.get('chat.model'), dtype: settings.get('dtype') }, models);
      const modelId = settings.get(role === 'completion' ? 'completion.model' : 'chat.model');
      const values = finetuneSettingValues(settings, folder);
      const { steps, rank, alpha, dropout, lr, seqLen, targets } = finetuneOptionsFrom(values, { modelDir: '', outDir });
      const request = {
        role,
        outDir,
        workspace: { name: folder.name, dataset: datasetOptionsFromSettings(settings, folder, vscode.Uri.file(join(outDir, 'data'))), perplexityModelDir: await perplexityModelDir(models) },
        baseModel: catalogEntry(modelId).repo,
        chatTokenizerDir: chatModel.tokenizerDir,
        training: { steps, rank, alpha, dropout, lr, seqLen, targets },
      };
      const result = await withCancellableProgress(`SmolCode: exporting a training recipe for ${folder.name}`, (progress, signal) => {
        const show = throttled((p: DatasetProgress) => progress.report({ message: `training set: ${datasetProgressMessage(p)}` }));
        const stages = workerStages(jobs);
        return exportTrainingRecipe(request, (...args) => stages.buildDataset(...args), (p) => show(p), signal);
      });
      log.info(`${EXPORT_TRAINING_COMMAND}: ${datasetSummary(result.report)}; ${role} recipe (${result.trainSamples} training samples) written to ${outDir}`);
      if (result.fimNotRecorded) log.warn(`${EXPORT_TRAINING_COMMAND}: ${result.fimNotRecorded.note}`);
      await vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.file(join(outDir, RECIPE_README)));
      void vscode.window.showInformationMessage(`SmolCode: training recipe written to ${outDir}.`);
    } catch (error) {
      if (isAbortError(error)) {
        log.info(`${EXPORT_TRAINING_COMMAND}: cancelled`);
        return;
      }
      const message = (error as Error).message;
      log.error(`${EXPORT_TRAINING_COMMAND}: ${message}`);
      void vscode.window.showErrorMessage(`SmolCode: could not export the training recipe: ${message}`, 'Show Log').then((pick) => pick && log.show());
    } finally {
      running = false;
    }
  });
}
