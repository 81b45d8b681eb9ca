/**
 * @file Training checkpoints: one safetensors file, `checkpoint.safetensors` in the output
 * folder, holding the LoRA matrices, the best matrices so far, the optimizer's moments and, in
 * its metadata, the step, the data position, the RNG state and the plan. It is written to a
 * temporary file, flushed to disk and renamed over the old one, so a process killed at any
 * moment leaves either the previous checkpoint or the new one, never a torn file.
 */
import { closeSync, existsSync, fsyncSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { SafetensorsFile, writeSafetensors } from '../graph/safetensors';
import { writeFileAtomic } from './adapter';
import type { TrainingPlan } from './plan';

export const CHECKPOINT_FILE = 'checkpoint.safetensors';

/** Where training stands between two optimizer steps. */
export interface TrainerState {
  readonly step: number;
  readonly epoch: number;
  /** Samples of this epoch's order already used. */
  readonly cursor: number;
  /** The data-order RNG state at the start of this epoch (its permutation is redrawn from it). */
  readonly epochRngState: number;
  readonly optimizerSteps: number;
  readonly bestValLoss: number | null;
  readonly evalsWithoutImprovement: number;
  readonly initialValLoss: number | null;
  readonly trainLosses: readonly { step: number; loss: number }[];
  readonly valLosses: readonly { step: number; loss: number }[];
}

/** A checkpoint's content. */
export interface Checkpoint {
  readonly plan: TrainingPlan;
  readonly state: TrainerState;
  /** `param/<name>`, `best/<name>` and the optimizer's tensors. */
  readonly tensors: ReadonlyMap<string, Float32Array>;
}

/** Writes `checkpoint` atomically into `dir`. */
export function saveCheckpoint(dir: string, checkpoint: Checkpoint): string {
  const path = join(dir, CHECKPOINT_FILE);
  const tensors = [...checkpoint.tensors].map(([name, values]) => ({ name, shape: [values.length], values: () => values }));
  writeFileAtomic(path, (tmp) => {
    writeSafetensors(tmp, tensors, 'F32', { format: 'smolcode-checkpoint', plan: JSON.stringify(checkpoint.plan), state: JSON.stringify(checkpoint.state) });
    const fd = openSync(tmp, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  });
  return path;
}

/** Reads `dir`'s checkpoint, or undefined when there is none. */
export function loadCheckpoint(dir: string): Checkpoint | undefined {
  const path = join(dir, CHECKPOINT_FILE);
  if (!existsSync(path)) return undefined;
  const file = SafetensorsFile.open(path);
  try {
    const { plan, state, format } = file.metadata;
    if (format !== 'smolcode-checkpoint' || !plan || !state) throw new Error(`${path} is not a SmolCode training checkpoint`);
    const tensors = new Map(file.names().map((n) => [n, Float32Array.from(file.readFloat32(n))]));
    return { plan: JSON.parse(plan) as TrainingPlan, state: JSON.parse(state) as TrainerState, tensors };
  } finally {
    file.close();
  }
}

/** The plan fields whose change would make a resumed run differ from an uninterrupted one. */
export function planMismatches(saved: TrainingPlan, current: TrainingPlan): string[] {
  const keys = Object.keys(current) as (keyof TrainingPlan)[];
  return keys.filter((k) => JSON.stringify(saved[k]) !== JSON.stringify(current[k])).map((k) => `${k}: checkpoint ${JSON.stringify(saved[k])}, now ${JSON.stringify(current[k])}`);
}
