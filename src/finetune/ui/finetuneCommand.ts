/**
 * @file The VS Code side of fine-tuning: "SmolCode: Fine-tune on This Workspace" and "SmolCode:
 * Cancel Fine-tuning". One run goes: workspace folder → role (completion trains the base model
 * on code-*.jsonl; chat trains the Instruct model on tokens-*.jsonl) → the role's model with its
 * float weights → training set (dataset job) → LoRA training (finetune job; the notification
 * shows step, loss and ETA) → merge into an ONNX model in the adapter folder (merge job) →
 * report (Markdown with the loss curves) → an offer to use the adapter. Every job runs in the
 * jobs worker process; the trainer, merger and report know nothing of VS Code.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { Settings } from '../../host/settings';
import { ensureModelWithProgress } from '../../modelStore/ui/downloadUi';
import { isAbortError } from '../../modelStore/errors';
import type { WorkerClient } from '../../worker/client';
import { adapterSettingKey, adaptersRoot } from './adapterCommands';
import { mergeVariantFor } from './adapterFolder';
import { datasetSummary, type DatasetReport } from '../dataset/report';
import { smallTrainingSetWarning } from '../dataset/shortfall';
import { adapterFolderName, editorTrainingThreads, finetuneOptionsFrom } from './finetuneSettings';
import { throttled, withCancellableProgress } from '../../host/progress';
import { datasetDir, datasetOptionsFromSettings, finetuneSettingValues, datasetProgressMessage, perplexityModelDir, pickWorkspaceFolder } from './jobUi';
import { formatDuration } from '../progressText';
import { REPORT_FILE } from '../runReport';
import { runFinetunePipeline, type FinetuneRunEvent, type FinetuneRunRequest } from '../run';
import type { DatasetProgress } from '../stages';
import type { FinetuneEvent } from '../trainer';
import { workerStages } from './workerStages';
import type { Role } from '../../model/configTypes';

export const FINETUNE_COMMAND = 'smolcode.finetuneWorkspace';
export const CANCEL_FINETUNE_COMMAND = 'smolcode.cancelFinetune';

/** Share of the progress bar the dataset build takes before training, and merging after it. */
const DATASET_SHARE = 5;
const MERGE_SHARE = 5;


/** Asks which role to fine-tune; undefined when dismissed. */
export async function pickRole(): Promise<Role | undefined> {
  const items = [
    { label: 'Completion', description: 'inline completions: the base model, trained on your code', role: 'completion' as const },
    { label: 'Chat', description: 'chat: the Instruct model, trained on conversations made from your code', role: 'chat' as const },
  ];
  return (await vscode.window.showQuickPick(items, { placeHolder: 'Fine-tune the model of which role?' }))?.role;
}

/** What the command needs from the extension. */
export interface FinetuneCommandDeps {
  readonly context: vscode.ExtensionContext;
  readonly log: vscode.LogOutputChannel;
  readonly settings: Settings;
  readonly jobs: WorkerClient;
}

/** Registers the fine-tune and cancel commands; one run at a time. */
export function registerFinetuneCommands(deps: FinetuneCommandDeps): vscode.Disposable[] {
  let running: AbortController | undefined;
  const { log } = deps;
  return [
    vscode.commands.registerCommand(FINETUNE_COMMAND, async () => {
      if (running) {
        void vscode.window.showInformationMessage('SmolCode: a fine-tuning run is already going; "SmolCode: Cancel Fine-tuning" stops it.');
        return;
      }
      const folder = await pickWorkspaceFolder('Folder to fine-tune on');
      if (!folder) {
        if (!vscode.workspace.workspaceFolders?.length) void vscode.window.showWarningMessage('SmolCode: open a folder to fine-tune on it.');
        return;
      }
      const role = await pickRole();
      if (!role) return;
      const controller = new AbortController();
      running = controller;
      let outDir: string | undefined;
      try {
        outDir = join(adaptersRoot(deps.context).fsPath, adapterFolderName(folder.name, role, new Date()));
        await finetune(deps, folder, role, outDir, controller.signal);
      } catch (error) {
        if (isAbortError(error)) {
          log.info(`${FINETUNE_COMMAND}: cancelled`);
          void vscode.window.showInformationMessage('SmolCode: fine-tuning cancelled.');
          return;
        }
        const message = (error as Error).message;
        log.error(`${FINETUNE_COMMAND}: ${message}`);
        void vscode.window.showErrorMessage(`SmolCode: fine-tuning failed: ${message}`, 'Show Log').then((pick) => pick && log.show());
        return;
      } finally {
        running = undefined;
      }
      const use = `Use for ${role === 'completion' ? 'Completion' : 'Chat'}`;
      const answer = await vscode.window.showInformationMessage(`SmolCode: fine-tuning finished. Use this adapter for ${role}?`, use, 'Not Now');
      if (answer === use) {
        await deps.settings.set(adapterSettingKey(role), outDir);
        log.info(`${FINETUNE_COMMAND}: ${role} now uses the adapter in ${outDir}`);
      }
    }),
    vscode.commands.registerCommand(CANCEL_FINETUNE_COMMAND, () => {
      if (!running) {
        void vscode.window.showInformationMessage('SmolCode: no fine-tuning is running.');
        return;
      }
      log.info(`${CANCEL_FINETUNE_COMMAND}: cancelling`);
      running.abort();
    }),
  ];
}

/** One run, from the models to the opened report; rejects with an AbortError when cancelled. */
async function finetune(deps: FinetuneCommandDeps, folder: vscode.WorkspaceFolder, role: Role, outDir: string, signal: AbortSignal): Promise<void> {
  const { context, log, settings, jobs } = deps;
  const dtype = settings.get('dtype');
  const modelName = settings.get(role === 'completion' ? 'completion.model' : 'chat.model');
  const dataOut = datasetDir(context, folder);
  const values = { ...finetuneSettingValues(settings, folder), threads: editorTrainingThreads(settings.get('threads'), availableParallelism()) };
  // Training reads the float weights; the dataset's chat samples need the Instruct tokenizer's template.
  const models = { settings, storageUri: context.globalStorageUri, jobs, log };
  const model = await ensureModelWithProgress({ model: modelName, dtype, weights: true }, models, signal);
  signal.throwIfAborted();
  const chatModel = role === 'chat' ? model : await ensureModelWithProgress({ model: settings.get('chat.model'), dtype }, models, signal);
  signal.throwIfAborted();
  const request: FinetuneRunRequest = {
    role,
    // The settings' FIM share; run.ts keeps it for the completion role only.
    workspace: { name: folder.name, dataset: datasetOptionsFromSettings(settings, folder, dataOut), perplexityModelDir: await perplexityModelDir(models) },
    baseModelName: model.source === 'local' ? model.dir : modelName,
    chatTokenizerDir: chatModel.tokenizerDir,
    training: finetuneOptionsFrom(values, { modelDir: model.dir, outDir }),
    merge: { variant: mergeVariantFor(dtype), dtype },
  };

  // Said once, while the run goes on: a small repository is still worth adapting to.
  const warnIfSmall = (report: DatasetReport) => {
    const warning = smallTrainingSetWarning(report);
    if (!warning) return;
    log.warn(`${FINETUNE_COMMAND}: ${warning}`);
    void vscode.window.showWarningMessage(`SmolCode: ${warning.charAt(0).toUpperCase()}${warning.slice(1)}.`);
  };
  const run = await withCancellableProgress(
    `SmolCode: fine-tuning ${role} on ${folder.name}`,
    (progress, jobSignal) => {
      let done = 0;
      const showDataset = throttled((p: DatasetProgress) => progress.report({ message: `training set: ${datasetProgressMessage(p)}` }));
      const showStep = throttled((e: Extract<FinetuneEvent, { type: 'step' }>) => {
        const share = ((100 - DATASET_SHARE - MERGE_SHARE) * e.step) / e.totalSteps;
        progress.report({ message: `step ${e.step}/${e.totalSteps} · loss ${e.loss.toFixed(3)} · ETA ${formatDuration(e.etaSeconds)}`, increment: share - done });
        done = share;
      });
      const onTraining = (event: FinetuneEvent) => {
        switch (event.type) {
          case 'start':
            log.info(`${FINETUNE_COMMAND}: training ${event.plan.steps} steps on ${event.trainSamples} sequences (${event.valSamples} for validation) on ${event.provider}, into ${outDir}`);
            progress.report({ message: `training ${event.plan.steps} steps on ${event.trainSamples} sequences…` });
            return;
          case 'step':
            log.info(`${FINETUNE_COMMAND}: step ${event.step}/${event.totalSteps} loss ${event.loss.toFixed(4)} lr ${event.lr.toExponential(2)} ${event.tokensPerSecond.toFixed(0)} tok/s`);
            showStep(event, event.step === event.totalSteps);
            return;
          case 'eval':
            log.info(`${FINETUNE_COMMAND}: validation loss ${event.valLoss.toFixed(4)} at step ${event.step}${event.improved ? ' (best so far)' : ''}`);
            progress.report({ message: `validation loss ${event.valLoss.toFixed(3)} at step ${event.step}` });
            return;
          case 'checkpoint':
            return;
        }
      };
      const onEvent = (event: FinetuneRunEvent) => {
        switch (event.type) {
          case 'dataset':
            showDataset(event.progress);
            return;
          case 'dataset-built':
            log.info(`${FINETUNE_COMMAND}: ${datasetSummary(event.report)}; written to ${dataOut.fsPath}`);
            progress.report({ increment: DATASET_SHARE });
            warnIfSmall(event.report);
            return;
          case 'training':
            onTraining(event.event);
            return;
          case 'merging':
            progress.report({ message: `merging the adapter into the model (${event.progress.variant})…`, increment: 100 - DATASET_SHARE - MERGE_SHARE - done });
            done = 100 - DATASET_SHARE - MERGE_SHARE;
            return;
        }
      };
      return runFinetunePipeline(request, workerStages(jobs), onEvent, jobSignal);
    },
    signal,
  );

  const loss = (v: number | null) => (v === null ? 'n/a' : v.toFixed(4));
  log.info(`${FINETUNE_COMMAND}: ${run.status} after ${run.steps} steps; validation loss ${loss(run.initialValLoss)} -> ${loss(run.bestValLoss)}; adapter in ${outDir}`);
  if (run.fimNotRecorded) {
    log.warn(`${FINETUNE_COMMAND}: ${run.fimNotRecorded.note}`);
    void vscode.window.showWarningMessage(`SmolCode: ${run.fimNotRecorded.note.charAt(0).toUpperCase()}${run.fimNotRecorded.note.slice(1)}.`);
  }
  await vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.file(join(outDir, REPORT_FILE)));
}
