/**
 * @file VS Code pieces shared by the commands that run jobs in the jobs worker (building the
 * training set, fine-tuning, merging): the workspace folder picker, the dataset options from
 * the settings, the model the perplexity filter scores with, and the dataset job with its
 * progress messages (host/progress.ts has the cancellable notification they run under).
 */
import * as vscode from 'vscode';
import { throttled } from '../../host/progress';
import type { Settings } from '../../host/settings';
import { ensureModelWithProgress, type ModelDeps } from '../../modelStore/ui/downloadUi';
import type { WorkerClient } from '../../worker/client';
import type { DatasetProgress } from '../stages';
import { workerStages } from './workerStages';
import { parseLanguageNames } from '../dataset/languages';
import type { DatasetOptions } from '../dataset/pipeline';
import type { DatasetReport } from '../dataset/report';
import { parseMixture } from '../dataset/types';
import type { FinetuneSettingValues } from './finetuneSettings';


/** The workspace folder to work on: the only one, or the user's pick; undefined when none or dismissed. */
export async function pickWorkspaceFolder(placeHolder: string): Promise<vscode.WorkspaceFolder | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length <= 1) return folders[0];
  return vscode.window.showWorkspaceFolderPick({ placeHolder });
}

/** Where the training set of `folder` goes: the workspace's extension storage, outside the workspace. */
export function datasetDir(context: vscode.ExtensionContext, folder: vscode.WorkspaceFolder): vscode.Uri {
  return vscode.Uri.joinPath(context.storageUri ?? context.globalStorageUri, 'dataset', folder.name);
}

/** The `smolcode.finetune.*` values (scoped to the folder) and the runtime settings training shares with inference. */
export function finetuneSettingValues(settings: Settings, folder: vscode.WorkspaceFolder): FinetuneSettingValues {
  return {
    steps: settings.get('finetune.steps', folder.uri),
    rank: settings.get('finetune.rank', folder.uri),
    alpha: settings.get('finetune.alpha', folder.uri),
    dropout: settings.get('finetune.dropout', folder.uri),
    learningRate: settings.get('finetune.learningRate', folder.uri),
    seqLen: settings.get('finetune.seqLen', folder.uri),
    targets: settings.get('finetune.targets', folder.uri),
    device: settings.get('device'),
    threads: settings.get('threads'),
  };
}

/**
 * The build options from the settings (scoped to the folder); bad values throw, naming
 * themselves. Every command builds with the FIM share of `smolcode.finetune.fimRate`, each FIM
 * sample within `smolcode.finetune.seqLen` (what a fine-tune on the set trains with; a run or an
 * export sets its own training length in its place).
 */
export function datasetOptionsFromSettings(settings: Settings, folder: vscode.WorkspaceFolder, out: vscode.Uri): DatasetOptions {
  return {
    workspace: folder.uri.fsPath,
    out: out.fsPath,
    repoName: folder.name,
    seqLen: settings.get('dataset.seqLen', folder.uri),
    minScore: settings.get('dataset.minScore', folder.uri),
    seed: settings.get('dataset.seed', folder.uri),
    languages: parseLanguageNames(settings.get('dataset.languages', folder.uri)),
    mixture: parseMixture(settings.get('dataset.mixture', folder.uri)),
    fimRate: settings.get('finetune.fimRate', folder.uri),
    fimSeqLen: settings.get('finetune.seqLen', folder.uri),
  };
}



/**
 * The base model folder the perplexity filter scores files with, when
 * `smolcode.dataset.perplexityFilter` is on: the completion model in fp32, since the scorer
 * runs the plain graph over whole file heads.
 */
export async function perplexityModelDir(deps: ModelDeps): Promise<string | undefined> {
  if (!deps.settings.get('dataset.perplexityFilter')) return undefined;
  const model = await ensureModelWithProgress({ model: deps.settings.get('completion.model'), dtype: 'fp32' }, deps);
  return model.dir;
}

/** A line saying where a dataset build stands. */
export function datasetProgressMessage({ phase, done, total, path }: DatasetProgress): string {
  const what = phase === 'scan' ? `scanning ${done} files` : `${phase === 'samples' ? 'writing samples' : 'scoring'} ${done}/${total ?? '?'}`;
  return `${what}: ${path}`;
}

/** Builds the training set in `jobs`, reporting scan and sample progress as notification messages. */
export function runDatasetJob(
  jobs: WorkerClient,
  options: DatasetOptions,
  tokenizerDir: string,
  report: (message: string) => void,
  signal: AbortSignal,
  perplexityModelDir?: string,
): Promise<DatasetReport> {
  const onProgress = throttled((progress: DatasetProgress) => report(datasetProgressMessage(progress)));
  return workerStages(jobs).buildDataset(options, tokenizerDir, perplexityModelDir, (progress) => onProgress(progress), signal);
}

