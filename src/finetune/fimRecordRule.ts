/**
 * @file Whether a fine-tune records fill-in-the-middle in its adapter folder
 * (`smolcode_fim.json`, model/fim.ts). The record switches inline completion to the FIM
 * template, so it must only be written when the adapter can answer FIM prompts: an adapter
 * trained on too few FIM samples answers them with nothing (SmolCode's smoke run: 4 FIM
 * samples, 4 steps, and every FIM prompt got a blank line, where the base model with the
 * repository template scored 0.438). Below the minimum the record is left out, the completion
 * template stays the repository one, and the run says why. Every path that writes the record
 * reads this rule: `finetune --workspace` and the editor's run (run.ts), `finetune --data`, and
 * exported recipes (their train.py).
 */
import { fimRecord, type FimRecord } from '../model/fim';

/**
 * Fewest FIM samples a run must train on to record FIM. Each sample fits one training sequence
 * (the dataset cuts them at the training length), so this counts FIM training sequences per
 * epoch. Not a measured threshold: 4 is known to be too few, and 16 is two effective batches
 * at plan.ts's largest default (8 sequences), so that with its 3 epochs for small sets the
 * adapter sees the format in at least 48 sequences. The lead's measurement of FIM on real
 * repositories should move it.
 */
export const MIN_FIM_TRAIN_SAMPLES = 16;

/** What a run writes about FIM: the record, or why there is none although FIM was asked for. */
export interface FimOutcome {
  /** The record to write into the adapter folder; undefined: write none (and remove an old one). */
  readonly record?: FimRecord;
  /** Set when FIM samples were asked for (rate > 0) but no record is written. */
  readonly notRecorded?: FimNotRecorded;
}

/** Why a run that asked for FIM samples does not record FIM (written into `smolcode_run.json`). */
export interface FimNotRecorded {
  readonly rate: number;
  readonly trainSamples: number;
  readonly minTrainSamples: number;
  /** One sentence for the log and the report, lower-case first. */
  readonly note: string;
}

/**
 * The FIM outcome of a run that asked for the share `rate` of FIM samples and trained on
 * `trainSamples` of them: a record from `minimum` samples on, none for rate 0.
 */
export function fimOutcome(rate: number, trainSamples: number, minimum = MIN_FIM_TRAIN_SAMPLES): FimOutcome {
  if (!(rate > 0)) return {};
  if (trainSamples >= minimum) return { record: fimRecord(rate) };
  const note =
    `fill-in-the-middle is not recorded: the training set has ${trainSamples} FIM training samples, fewer than the ${minimum} an adapter ` +
    'needs before it writes middles, so completions with this adapter keep the repository template (more files or a higher FIM rate give more)';
  return { notRecorded: { rate, trainSamples, minTrainSamples: minimum, note } };
}
