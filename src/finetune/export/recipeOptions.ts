/**
 * @file The fine-tuning options an exported recipe carries, as the JSON object `train.py`
 * embeds (snake_case keys, `null` for "sized from the data"). The recipe carries options, not a
 * resolved plan, because the plan is sized from the number of training sequences, and that
 * number is only known once the data is tokenized with the base model's tokenizer: `train.py`
 * tokenizes it and applies plan.ts's rules itself (its `resolve_plan`), which the integration
 * test checks against `resolvePlan` on the same data.
 */
import { LORA_TARGETS } from '../../model/lora';
import type { FinetuneOptions } from '../plan';

/** The options a recipe carries: the trainer's, without paths, devices or resume state. */
export type RecipeTraining = Pick<
  FinetuneOptions,
  | 'steps'
  | 'epochs'
  | 'lr'
  | 'batchSize'
  | 'gradAccum'
  | 'seqLen'
  | 'rank'
  | 'alpha'
  | 'targets'
  | 'useRslora'
  | 'dropout'
  | 'optimizer'
  | 'weightDecay'
  | 'maxGradNorm'
  | 'warmupRatio'
  | 'shuffle'
  | 'seed'
  | 'evalEvery'
  | 'checkpointEvery'
  | 'patience'
>;

/** One `OPTIONS` value in train.py. */
export type RecipeValue = number | boolean | string | readonly string[] | null;

/** Our option name → train.py's, in the order train.py lists them. */
export const RECIPE_KEYS = {
  steps: 'steps',
  epochs: 'epochs',
  lr: 'lr',
  batchSize: 'batch_size',
  gradAccum: 'grad_accum',
  seqLen: 'seq_len',
  rank: 'rank',
  alpha: 'alpha',
  targets: 'targets',
  useRslora: 'use_rslora',
  dropout: 'lora_dropout',
  optimizer: 'optimizer',
  weightDecay: 'weight_decay',
  maxGradNorm: 'max_grad_norm',
  warmupRatio: 'warmup_ratio',
  shuffle: 'shuffle',
  seed: 'seed',
  evalEvery: 'eval_every',
  checkpointEvery: 'checkpoint_every',
  patience: 'patience',
} as const satisfies Record<keyof RecipeTraining, string>;

/**
 * `training` as train.py's OPTIONS: every key present, `null` where plan.ts sizes the value
 * from the data. Targets default to all of LoRA's, as the trainer does for Llama.
 */
export function recipeOptions(training: RecipeTraining): Record<string, RecipeValue> {
  const out: Record<string, RecipeValue> = {};
  for (const [ours, theirs] of Object.entries(RECIPE_KEYS) as [keyof RecipeTraining, string][]) {
    const value = ours === 'targets' ? (training.targets ?? LORA_TARGETS) : training[ours];
    out[theirs] = value === undefined ? null : (value as RecipeValue);
  }
  return out;
}
