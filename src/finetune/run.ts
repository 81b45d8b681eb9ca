/**
 * @file One fine-tuning run, from a workspace to a report: training set → LoRA training →
 * merge into an ONNX model → report (Markdown with the loss curves, and the run as JSON) in the
 * adapter folder. "SmolCode: Fine-tune on This Workspace" runs it with its stages in the jobs
 * worker; `smolcode finetune --workspace` runs it with the stages in its own process. Pure: no
 * VS Code, and every stage behind `FinetuneStages`.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dtype, OnnxVariant, Role } from '../model/configTypes';
import { readModelConfig } from '../model/config';
import { FIM_RECORD_FILE } from '../model/fim';
import { OUTPUT_FILES, type DatasetOptions } from './dataset/pipeline';
import type { DatasetReport } from './dataset/report';
import { emptyTrainingSetMessage, smallTrainingSetWarning } from './dataset/shortfall';
import { modelFingerprint } from './adapterBase';
import { fimOutcome } from './fimRecordRule';
import { lossChartSvg } from './lossChart';
import { defaultSeqLen, type FinetuneOptions } from './plan';
import { CHART_FILE, meanThroughput, REPORT_FILE, RUN_FILE, runReportMarkdown, type RunSummary } from './runReport';
import type { DatasetProgress, FinetuneStages, MergeProgress } from './stages';
import type { FinetuneEvent } from './trainer';

/** What each role trains on, and which samples count. */
export const ROLE_DATA: Record<Role, { readonly file: (split: 'train' | 'validation') => string; readonly count: (c: DatasetReport['splits']['train']) => number }> = {
  completion: { file: OUTPUT_FILES.code, count: (c) => c.samples.code },
  chat: { file: OUTPUT_FILES.tokens, count: (c) => Object.values(c.samples).reduce((a, b) => a + b, 0) },
};

/** Everything one run needs; the stages do the work. */
export interface FinetuneRunRequest {
  readonly role: Role;
  /** The workspace: its name for the report, and how to build its training set. */
  readonly workspace: { readonly name: string; readonly dataset: DatasetOptions; readonly perplexityModelDir?: string };
  /** The model trained: its name for the report (a catalog id or a folder). */
  readonly baseModelName: string;
  /** The Instruct tokenizer (with its chat template) the training set's chat samples are shaped for. */
  readonly chatTokenizerDir: string;
  /** The trainer's options; the run fills in the data files from the training set. */
  readonly training: Omit<FinetuneOptions, 'dataPath' | 'valPath'>;
  /** The ONNX variant the adapter is merged into, and the dtype the user runs (the report says when they differ). */
  readonly merge: { readonly variant: OnnxVariant; readonly dtype: Dtype };
}

/** What a run reports while it goes, stage by stage. */
export type FinetuneRunEvent =
  | { readonly type: 'dataset'; readonly progress: DatasetProgress }
  | { readonly type: 'dataset-built'; readonly report: DatasetReport }
  | { readonly type: 'training'; readonly event: FinetuneEvent }
  | { readonly type: 'merging'; readonly progress: MergeProgress };

/** The data files of `role` in the training set at `dataDir`, or an error saying why there are none. */
function dataFiles(report: DatasetReport, role: Role, dataDir: string, workspace: string) {
  const data = ROLE_DATA[role];
  const trainSamples = data.count(report.splits.train);
  const valSamples = data.count(report.splits.validation);
  if (trainSamples === 0) {
    throw new Error(`${emptyTrainingSetMessage(report, workspace, role)}; the files and reasons are in ${join(dataDir, OUTPUT_FILES.reportMarkdown)}`);
  }
  return {
    dataPath: join(dataDir, data.file('train')),
    valPath: valSamples > 0 ? join(dataDir, data.file('validation')) : undefined,
    trainSamples,
    valSamples,
  };
}

/**
 * The dataset options for `role`: FIM samples only for the completion role (chat adapters never
 * serve completions), each within the training sequence length the trainer will use, so that no
 * FIM sample is split into windows.
 */
export function roleDatasetOptions(role: Role, dataset: DatasetOptions, training: Pick<FinetuneOptions, 'seqLen' | 'modelDir'>): DatasetOptions {
  if (role !== 'completion' || !dataset.fimRate) return { ...dataset, fimRate: 0 };
  const seqLen = training.seqLen ?? defaultSeqLen(readModelConfig(join(training.modelDir, 'config.json')).maxPositionEmbeddings);
  return { ...dataset, fimSeqLen: seqLen };
}

/** Runs the whole pipeline; rejects with an AbortError when `signal` aborts (training keeps its checkpoint). */
export async function runFinetunePipeline(
  request: FinetuneRunRequest,
  stages: FinetuneStages,
  onEvent: (event: FinetuneRunEvent) => void,
  signal: AbortSignal,
): Promise<RunSummary> {
  const { role, workspace, training, merge } = request;
  const report = await stages.buildDataset(roleDatasetOptions(role, workspace.dataset, training), request.chatTokenizerDir, workspace.perplexityModelDir, (progress) => onEvent({ type: 'dataset', progress }), signal);
  onEvent({ type: 'dataset-built', report });
  const files = dataFiles(report, role, workspace.dataset.out, workspace.name);
  await mkdir(training.outDir, { recursive: true });

  let provider = 'cpu';
  const throughput: number[] = [];
  const trainingStart = performance.now();
  const result = await stages.train(
    { ...training, dataPath: files.dataPath, valPath: files.valPath },
    (event) => {
      if (event.type === 'start') provider = event.provider;
      if (event.type === 'step') throughput.push(event.tokensPerSecond);
      onEvent({ type: 'training', event });
    },
    signal,
  );
  const trainingSeconds = (performance.now() - trainingStart) / 1000;

  // Recorded before the merge, so a merge that fails still leaves a folder that says what it learned.
  // Too few FIM samples leave an adapter that answers FIM prompts with nothing: then no record (fimRecordRule.ts).
  const fimTrainSamples = report.splits.train.fimSamples;
  const { record: fim, notRecorded: fimNotRecorded } = fimOutcome(role === 'completion' ? report.settings.fimRate : 0, fimTrainSamples);
  if (fim) await writeFile(join(training.outDir, FIM_RECORD_FILE), `${JSON.stringify(fim, null, 2)}\n`);
  else await rm(join(training.outDir, FIM_RECORD_FILE), { force: true });
  const mergeStart = performance.now();
  await stages.merge({ modelDir: training.modelDir, adapterDir: training.outDir, variants: [merge.variant] }, (progress) => onEvent({ type: 'merging', progress }), signal);
  const summary: RunSummary = {
    workspace: workspace.name,
    role,
    baseModel: request.baseModelName,
    baseModelDir: training.modelDir,
    baseFingerprint: modelFingerprint(training.modelDir),
    dataFile: files.dataPath,
    valFile: files.valPath ?? null,
    status: result.status === 'early-stopped' ? 'early-stopped' : 'completed',
    steps: result.steps,
    plannedSteps: result.plan.steps,
    trainSamples: files.trainSamples,
    valSamples: files.valPath ? files.valSamples : 0,
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
    mergedVariant: merge.variant,
    dataNote: smallTrainingSetWarning(report),
    fim: fim ? { format: fim.format, version: fim.version, rate: fim.rate, trainSamples: fimTrainSamples } : null,
    fimNotRecorded: fimNotRecorded ?? null,
    mergedNote: merge.variant === merge.dtype ? undefined : `The merged model is ${merge.variant}: merging cannot write ${merge.dtype}, so SmolCode loads this adapter as ${merge.variant}.`,
    finished: new Date().toISOString(),
  };
  await writeFile(join(training.outDir, CHART_FILE), lossChartSvg(summary.trainLosses, summary.valLosses));
  await writeFile(join(training.outDir, REPORT_FILE), runReportMarkdown(summary));
  await writeFile(join(training.outDir, RUN_FILE), `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}
