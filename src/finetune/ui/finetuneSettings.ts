/**
 * @file The fine-tuning options "Fine-tune on This Workspace" passes to the trainer, from the
 * `smolcode.finetune.*` settings (0 means "sized from the data" where plan.ts documents a
 * rule), and the name of each run's adapter folder. Pure, so the mapping is unit-tested.
 */
import { parseLoraTargets } from '../../model/lora';
import type { FinetuneOptions } from '../plan';
import type { Device } from '../../runtime/providers';
import type { Role } from '../../model/configTypes';

/** The `smolcode.finetune.*` values, plus the runtime settings the trainer shares with inference. */
export interface FinetuneSettingValues {
  readonly steps: number;
  readonly rank: number;
  readonly alpha: number;
  readonly dropout: number;
  readonly learningRate: number;
  readonly seqLen: number;
  readonly targets: readonly string[];
  readonly device: Device;
  readonly threads: number;
}

/** The model a run trains and where it writes; the run adds the data files it builds. */
export interface FinetunePaths {
  readonly modelDir: string;
  readonly outDir: string;
}

/** The trainer's options; settings at 0 are left out so that plan.ts sizes them. */
export function finetuneOptionsFrom(values: FinetuneSettingValues, paths: FinetunePaths): Omit<FinetuneOptions, 'dataPath' | 'valPath'> {
  return {
    ...paths,
    steps: values.steps > 0 ? values.steps : undefined,
    rank: values.rank,
    alpha: values.alpha > 0 ? values.alpha : undefined,
    // settings.json is hand-edited: a value out of range trains without dropout rather than failing the run.
    dropout: values.dropout > 0 && values.dropout < 1 ? values.dropout : undefined,
    lr: values.learningRate,
    seqLen: values.seqLen,
    targets: parseLoraTargets(values.targets, 'smolcode.finetune.targets'),
    device: values.device,
    threads: values.threads,
  };
}

/**
 * Training threads for a run started from the editor: the user's `smolcode.threads` when set,
 * else one fewer than the cores, so that typing, completions and the editor keep a core while a
 * fine-tune runs for minutes (the jobs worker also runs at a lower priority).
 */
export function editorTrainingThreads(threadsSetting: number, cores: number): number {
  return threadsSetting > 0 ? threadsSetting : Math.max(1, cores - 1);
}

/** `<folder>-<role>-<yyyymmdd-hhmmss>` (local time), with the folder name reduced to safe characters. */
export function adapterFolderName(folder: string, role: Role, date: Date): string {
  const safe = folder.replace(/[^\w.-]+/g, '_').replace(/^[.]+/, '') || 'workspace';
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}-${pad(date.getHours())}${pad(date.getMinutes())}${pad(date.getSeconds())}`;
  return `${safe}-${role}-${stamp}`;
}
