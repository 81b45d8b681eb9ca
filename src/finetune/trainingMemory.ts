/**
 * @file How a LoRA run trades memory for speed. `low` recomputes each decoder layer in the
 * backward pass and leaves ONNX Runtime's weight prepacking off; `fast` stores the activations
 * and the loss's log-probabilities and lets MLAS keep packed copies of the frozen weights.
 * Measured on 2 quiet Zen 5 cores, 135M at 512 tokens (`npm run bench -- --sections training`,
 * PyTorch + PEFT beside): low 324 tok/s at 1,106 MiB peak RSS, fast 401 tok/s at 2,606 MiB,
 * PyTorch 227 tok/s at 2,724 MiB (on an Intel machine with AMX: 265, 345 and 348 tok/s).
 * `auto` (the default) runs fast when the estimate below stays within a quarter of the machine's
 * memory, so a 16 GB laptop trains 135M fast and 360M and 1.7B low, leaving the editor room.
 * Those figures are the training session's alone; a run with validation opens a second session,
 * which in low mode reads the training session's frozen weights (graph inputs, one copy) and in
 * fast mode holds its own unpacked copy (real 135M, `smolcode finetune --val`: low 1,106 MiB
 * peak, 1,604 before sharing; fast 3,143 MiB).
 */
import { totalmem } from 'node:os';
import type { ModelConfig } from '../model/config';
import { parameterCount } from '../model/shapes';

export const TRAINING_MEMORY_MODES = ['auto', 'low', 'fast'] as const;
export type TrainingMemory = (typeof TRAINING_MEMORY_MODES)[number];

/** The share of the machine's memory a fast run may be estimated to take. */
export const FAST_MEMORY_SHARE = 0.25;

/** What the run does, and why. */
export interface TrainingMemoryChoice {
  readonly mode: 'low' | 'fast';
  /** Recompute each layer in backward (`low`; impossible with LoRA dropout, whose masks would differ). */
  readonly recompute: boolean;
  /** Let ONNX Runtime prepack the frozen weights (`fast`). */
  readonly prepack: boolean;
  /** Keep the loss's log-probabilities for backward rather than recompute the head (`fast`). */
  readonly storeLogProbs: boolean;
  /**
   * The training and validation sessions read one copy of the frozen weights, fed as graph
   * inputs (`low` with validation): each session held its own before, about 500 MiB more for 135M.
   * Prepacking needs them as initializers, so a fast run's validation session keeps a copy.
   */
  readonly shareFrozenWeights: boolean;
  readonly estimatedFastBytes: number;
  readonly reason: string;
}

/**
 * Peak RSS of a fast run, estimated: float32 frozen weights twice (the initializer and MLAS's
 * packed copy) and once more for a validation session (unpacked), every layer's stored
 * activations, about 30 hidden-sized and 6 intermediate-sized float32 rows per token (fitted to
 * 135M at 512 tokens before the log-probabilities were kept: 2.95 GB estimated, 2.67 GB
 * measured), the kept log-probabilities (a vocabulary-sized row per token), plus the runtime.
 */
export function fastPeakBytes(config: ModelConfig, seqLen: number, batchSize: number, validation = false): number {
  const weights = parameterCount(config) * 4 * (validation ? 3 : 2);
  const tokens = seqLen * batchSize;
  const activations = config.numHiddenLayers * tokens * 4 * (30 * config.hiddenSize + 6 * config.intermediateSize);
  const logProbs = tokens * config.vocabSize * 4;
  return weights + activations + logProbs + 256 * 2 ** 20;
}

const gb = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GB`;

/** Resolves `requested` for a run of `config` at `seqLen` x `batchSize` on a machine of `machineBytes`. */
export function chooseTrainingMemory(
  requested: TrainingMemory,
  config: ModelConfig,
  run: { readonly seqLen: number; readonly batchSize: number; readonly dropout: number; readonly validation?: boolean },
  machineBytes = totalmem(),
): TrainingMemoryChoice {
  const estimatedFastBytes = fastPeakBytes(config, run.seqLen, run.batchSize, run.validation);
  const fast = requested === 'fast' || (requested === 'auto' && estimatedFastBytes <= FAST_MEMORY_SHARE * machineBytes);
  const why =
    requested !== 'auto'
      ? `asked for ${requested}`
      : `a fast run is estimated at ${gb(estimatedFastBytes)}, ${fast ? 'within' : 'over'} a quarter of this machine's ${gb(machineBytes)}`;
  const shareFrozenWeights = !fast && run.validation === true;
  const shared = shareFrozenWeights ? '; validation reads the same copy of the frozen weights' : '';
  const reason = fast
    ? `${why}: activations and log-probabilities stored, weights prepacked`
    : run.dropout > 0
      ? `${why}; LoRA dropout keeps the activations stored (a recomputed mask would differ)${shared}`
      : `${why}: layers recomputed in backward${shared}`;
  return { mode: fast ? 'fast' : 'low', recompute: !fast && run.dropout === 0, prepack: fast, storeLogProbs: fast, shareFrozenWeights, estimatedFastBytes, reason };
}
