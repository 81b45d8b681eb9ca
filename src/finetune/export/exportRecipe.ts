/**
 * @file `export-training`: a folder someone can take to a GPU machine or a cluster. It builds
 * the training set (the same dataset stage as "Fine-tune on This Workspace", into `data/`),
 * then writes train.py, the accelerate configs, slurm.sbatch, requirements.txt and README.md.
 * Pure: no VS Code; the dataset stage runs wherever the caller's `buildDataset` runs it (the
 * CLI in-process, the extension in the jobs worker).
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Role } from '../../model/configTypes';
import type { DatasetOptions } from '../dataset/pipeline';
import { datasetSummary, type DatasetReport } from '../dataset/report';
import { fimOutcome, type FimNotRecorded } from '../fimRecordRule';
import { ROLE_DATA } from '../run';
import type { DatasetProgress, FinetuneStages } from '../stages';
import { accelerateConfigs } from './accelerateConfigs';
import type { RecipeTraining } from './recipeOptions';
import { recipeReadme, slurmScript } from './recipeReadme';
import { requirementsTxt } from './requirements';
import { trainScript } from './trainScript';

/** Where the training set goes inside the recipe folder. */
export const RECIPE_DATA_DIR = 'data';
export const RECIPE_README = 'README.md';
export const RECIPE_SCRIPT = 'train.py';
/** train.py's sequence length when the recipe sets none (SmolLM2's contexts are all longer). */
const RECIPE_DEFAULT_SEQ_LEN = 512;

/** What to export. */
export interface ExportRequest {
  readonly role: Role;
  /** The recipe folder; created, or an earlier recipe folder (anything else is refused). */
  readonly outDir: string;
  /** The workspace: its name, and the dataset options (their `out` is ignored: the set goes to `outDir/data`). */
  readonly workspace: { readonly name: string; readonly dataset: Omit<DatasetOptions, 'out'>; readonly perplexityModelDir?: string };
  /** The base model train.py loads: a Hub id or a folder. */
  readonly baseModel: string;
  /** The Instruct tokenizer the chat samples are shaped with. */
  readonly chatTokenizerDir: string;
  readonly training: RecipeTraining;
  /** GPUs per machine the multi-GPU configs assume (default 8). */
  readonly gpus?: number;
}

/** What was written. */
export interface ExportResult {
  readonly report: DatasetReport;
  /** Paths relative to `outDir`. */
  readonly files: readonly string[];
  readonly trainSamples: number;
  readonly valSamples: number;
  /** Set when FIM samples were asked for but too few were written for train.py to record FIM (fimRecordRule.ts). */
  readonly fimNotRecorded?: FimNotRecorded;
}

/** Throws unless `dir` is absent, empty, or holds an earlier recipe (its train.py). */
export function checkOutDir(dir: string): void {
  if (!existsSync(dir)) return;
  const entries = readdirSync(dir);
  if (entries.length > 0 && !entries.includes(RECIPE_SCRIPT)) {
    throw new Error(`${dir} is not empty and holds no earlier recipe (${RECIPE_SCRIPT}); choose an empty or new folder`);
  }
}

/** Builds the training set and writes the recipe; rejects with an AbortError when `signal` aborts. */
export async function exportTrainingRecipe(
  request: ExportRequest,
  buildDataset: FinetuneStages['buildDataset'],
  onProgress: (progress: DatasetProgress) => void,
  signal: AbortSignal,
): Promise<ExportResult> {
  const { role, outDir, workspace } = request;
  const gpus = request.gpus ?? 8;
  checkOutDir(outDir);
  const dataDir = join(outDir, RECIPE_DATA_DIR);
  // FIM samples for the completion role only, each within train.py's default sequence length (as run.ts does).
  const fimRate = role === 'completion' ? (workspace.dataset.fimRate ?? 0) : 0;
  const fimSeqLen = request.training.seqLen ?? RECIPE_DEFAULT_SEQ_LEN;
  const report = await buildDataset({ ...workspace.dataset, out: dataDir, fimRate, fimSeqLen }, request.chatTokenizerDir, workspace.perplexityModelDir, onProgress, signal);
  signal.throwIfAborted();
  const data = ROLE_DATA[role];
  const trainSamples = data.count(report.splits.train);
  const valSamples = data.count(report.splits.validation);
  if (trainSamples === 0) {
    throw new Error(`the training set of ${workspace.name} has no ${role} samples (${datasetSummary(report)}); see ${join(dataDir, 'report.md')}`);
  }
  // train.py records FIM under the same rule as SmolCode's runs; the training set fixes the count here.
  const fim = fimOutcome(fimRate, report.splits.train.fimSamples);
  const dataFiles = { train: `${RECIPE_DATA_DIR}/${data.file('train')}`, validation: `${RECIPE_DATA_DIR}/${data.file('validation')}` };
  const configs = accelerateConfigs(gpus);
  const files: [string, string][] = [
    [RECIPE_SCRIPT, trainScript({ role, baseModel: request.baseModel, dataFiles, training: request.training, workspace: workspace.name, fim: fim.record ? { record: fim.record, seqLen: fimSeqLen } : undefined })],
    ['requirements.txt', requirementsTxt()],
    ['slurm.sbatch', slurmScript(gpus)],
    ...configs.map((c): [string, string] => [`accelerate/${c.file}`, c.yaml]),
    [
      RECIPE_README,
      recipeReadme({ role, baseModel: request.baseModel, workspace: workspace.name, dataFiles, configs, gpus, rank: request.training.rank ?? 8, datasetSummary: datasetSummary(report) }),
    ],
  ];
  await mkdir(join(outDir, 'accelerate'), { recursive: true });
  for (const [path, text] of files) {
    signal.throwIfAborted();
    await writeFile(join(outDir, path), text, { mode: path.endsWith('.py') || path.endsWith('.sbatch') ? 0o755 : 0o644 });
  }
  return { report, files: [...files.map(([path]) => path), dataFiles.train, dataFiles.validation], trainSamples, valSamples, fimNotRecorded: fim.notRecorded };
}

/**
 * The recipe folder for a folder the user chose: the folder itself when it is empty or holds an
 * earlier recipe, else a new `<workspace>-<role>-training` folder inside it.
 */
export function recipeFolderFor(chosen: string, workspace: string, role: Role): string {
  const entries = existsSync(chosen) ? readdirSync(chosen) : [];
  if (entries.length === 0 || entries.includes(RECIPE_SCRIPT)) return chosen;
  const safe = workspace.replace(/[^\w.-]+/g, '_').replace(/^[.]+/, '') || 'workspace';
  return join(chosen, `${safe}-${role}-training`);
}
