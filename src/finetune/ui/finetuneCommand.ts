/**
 * @file The VS Code side of fine-tuning: "SmolCode: Fine-tune on This Workspace" and "SmolCode:
 * Cancel Fine-tuning". One run goes: workspace folder → role (completion trains the base model
 * on code-*.jsonl; chat trains the Instruct model on tokens-*.jsonl) → the role's model with its
 * float weights → training set (dataset job) → LoRA training (finetune job; the notification
 * shows step, loss and ETA) → merge into an ONNX model in the adapter folder (merge job) →
 * report (Markdown with the loss curves) → an offer to use the adapter. Every job runs in the
 * jobs worker process; the trainer, merger and report know nothing of VS Code.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { Settings } from '../../host/settings';
import { ensureModelWithProgress } from '../../modelStore/ui/downloadUi';
import { isAbortError } from '../../modelStore/errors';
import type { WorkerClient } from '../../worker/client';
import { adapterMergeRequest, finetuneRunRequest } from '../../worker/protocol';
import { adapterSettingKey, adaptersRoot } from './adapterCommands';
import { mergeVariantFor, RUN_FILE } from './adapterFolder';
import { OUTPUT_FILES } from '../dataset/pipeline';
import type { DatasetReport } from '../dataset/report';
import { adapterFolderName, finetuneOptionsFrom } from './finetuneSettings';
import { datasetDir, datasetOptionsFromSettings, datasetSummary, perplexityModelDir, pickWorkspaceFolder, runDatasetJob, throttled, withCancellableProgress } from './jobUi';
import { lossChartSvg } from '../lossChart';
import { CHART_FILE, meanThroughput, REPORT_FILE, runReportMarkdown, type RunSummary } from '../runReport';
import type { FinetuneEvent } from '../trainer';
import type { Role } from '../../model/configTypes';

export const FINETUNE_COMMAND = 'smolcode.finetuneWorkspace';
export const CANCEL_FINETUNE_COMMAND = 'smolcode.cancelFinetune';

/** Share of the progress bar the dataset build takes before training, and merging after it. */
const DATASET_SHARE = 5;
const MERGE_SHARE = 5;

/** What each role trains on, and which samples count. */
const ROLE_DATA: Record<Role, { readonly file: (split: 'train' | 'validation') => string; readonly count: (c: DatasetReport['splits']['train']) => number }> = {
  completion: { file: OUTPUT_FILES.code, count: (c) => c.samples.code },
  chat: { file: OUTPUT_FILES.tokens, count: (c) => Object.values(c.samples).reduce((a, b) => a + b, 0) },
};

function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds)) return '…';
  return seconds >= 90 ? `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s` : `${Math.round(seconds)} s`;
}

async function pickRole(): Promise<Role | undefined> {
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
  const datasetOptions = datasetOptionsFromSettings(settings, folder, dataOut);
  const values = {
    steps: settings.get('finetune.steps', folder.uri),
    rank: settings.get('finetune.rank', folder.uri),
    alpha: settings.get('finetune.alpha', folder.uri),
    learningRate: settings.get('finetune.learningRate', folder.uri),
    seqLen: settings.get('finetune.seqLen', folder.uri),
    targets: settings.get('finetune.targets', folder.uri),
    device: settings.get('device'),
    threads: settings.get('threads'),
  };
  // Training reads the float weights; the dataset's chat samples need the Instruct tokenizer's template.
  const model = await ensureModelWithProgress({ model: modelName, dtype, weights: true }, settings, context.globalStorageUri);
  signal.throwIfAborted();
  const chatModel = role === 'chat' ? model : await ensureModelWithProgress({ model: settings.get('chat.model'), dtype }, settings, context.globalStorageUri);
  signal.throwIfAborted();
  const baseName = model.source === 'local' ? model.dir : modelName;
  const scoringModel = await perplexityModelDir(settings, context.globalStorageUri);

  const run = await withCancellableProgress(
    `SmolCode: fine-tuning ${role} on ${folder.name}`,
    async (progress, jobSignal) => {
      const report = await runDatasetJob(
        jobs,
        datasetOptions,
        chatModel.tokenizerDir,
        (message) => progress.report({ message: `training set: ${message}` }),
        jobSignal,
        scoringModel,
      );
      log.info(`${FINETUNE_COMMAND}: ${datasetSummary(report)}; written to ${dataOut.fsPath}`);
      progress.report({ increment: DATASET_SHARE });
      const data = ROLE_DATA[role];
      const trainSamples = data.count(report.splits.train);
      if (trainSamples === 0) throw new Error(`the training set of ${folder.name} has no ${role} samples (${datasetSummary(report)}); see ${join(dataOut.fsPath, OUTPUT_FILES.reportMarkdown)}`);
      const dataPath = join(dataOut.fsPath, data.file('train'));
      const valPath = data.count(report.splits.validation) > 0 ? join(dataOut.fsPath, data.file('validation')) : undefined;
      const options = finetuneOptionsFrom(values, { modelDir: model.dir, dataPath, valPath, outDir });
      await mkdir(outDir, { recursive: true });

      let provider = 'cpu';
      let done = 0;
      const throughput: number[] = [];
      const showStep = throttled((e: Extract<FinetuneEvent, { type: 'step' }>) => {
        const share = ((100 - DATASET_SHARE - MERGE_SHARE) * e.step) / e.totalSteps;
        progress.report({ message: `step ${e.step}/${e.totalSteps} · loss ${e.loss.toFixed(3)} · ETA ${formatEta(e.etaSeconds)}`, increment: share - done });
        done = share;
      });
      const onEvent = (event: FinetuneEvent) => {
        switch (event.type) {
          case 'start':
            provider = event.provider;
            log.info(`${FINETUNE_COMMAND}: training ${event.plan.steps} steps on ${event.trainSamples} sequences (${event.valSamples} for validation) on ${event.provider}, into ${outDir}`);
            progress.report({ message: `training ${event.plan.steps} steps on ${event.trainSamples} sequences…` });
            return;
          case 'step':
            throughput.push(event.tokensPerSecond);
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
      const trainingStart = performance.now();
      const result = await jobs.job(finetuneRunRequest, { options }, onEvent, jobSignal);
      const trainingSeconds = (performance.now() - trainingStart) / 1000;

      const variant = mergeVariantFor(dtype);
      progress.report({ message: `merging the adapter into the model (${variant})…` });
      const mergeStart = performance.now();
      await jobs.job(adapterMergeRequest, { options: { modelDir: model.dir, adapterDir: outDir, variants: [variant] } }, () => undefined, jobSignal);
      progress.report({ increment: 100 - DATASET_SHARE - done });
      const summary: RunSummary = {
        workspace: folder.name,
        role,
        baseModel: baseName,
        baseModelDir: model.dir,
        dataFile: dataPath,
        valFile: valPath ?? null,
        status: result.status === 'early-stopped' ? 'early-stopped' : 'completed',
        steps: result.steps,
        plannedSteps: result.plan.steps,
        trainSamples,
        valSamples: valPath ? data.count(report.splits.validation) : 0,
        initialValLoss: result.initialValLoss,
        bestValLoss: result.bestValLoss,
        trainLosses: result.trainLosses,
        valLosses: result.valLosses,
        tokensPerSecond: meanThroughput(throughput),
        trainingSeconds,
        mergeSeconds: (performance.now() - mergeStart) / 1000,
        lora: { rank: result.plan.lora.rank, alpha: result.plan.lora.alpha, targets: result.plan.lora.targets },
        lr: result.plan.lr,
        seqLen: result.plan.seqLen,
        provider,
        mergedVariant: variant,
        mergedNote: variant === dtype ? undefined : `The merged model is ${variant}: merging cannot write ${dtype}, so SmolCode loads this adapter as ${variant}.`,
        finished: new Date().toISOString(),
      };
      return summary;
    },
    signal,
  );

  await writeFile(join(outDir, CHART_FILE), lossChartSvg(run.trainLosses, run.valLosses));
  await writeFile(join(outDir, REPORT_FILE), runReportMarkdown(run));
  await writeFile(join(outDir, RUN_FILE), `${JSON.stringify(run, null, 2)}\n`);
  const loss = (v: number | null) => (v === null ? 'n/a' : v.toFixed(4));
  log.info(`${FINETUNE_COMMAND}: ${run.status} after ${run.steps} steps; validation loss ${loss(run.initialValLoss)} -> ${loss(run.bestValLoss)}; adapter in ${outDir}`);
  await vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.file(join(outDir, REPORT_FILE)));
}
