/**
 * @file Stops a run whose loss is no longer a number. Once a loss is NaN or infinite the
 * parameters are too, and every later step, the saved adapter and the merged model inherit it
 * silently (the run used to print `loss NaN`, exit 0 and write a NaN adapter), so the trainer
 * stops at the first such step and says which one, with the usual cause.
 */

/** Training produced a non-finite loss; nothing is written after it. */
export class TrainingDivergedError extends Error {
  override readonly name = 'TrainingDivergedError';
}

/**
 * Throws `TrainingDivergedError` unless `loss` is finite. `what` is "training" or "validation";
 * `lr` is the peak learning rate, the setting to lower first.
 */
export function checkFiniteLoss(what: 'training' | 'validation', step: number, loss: number, lr: number): void {
  if (Number.isFinite(loss)) return;
  throw new TrainingDivergedError(
    `training stopped at step ${step}: the ${what} loss is ${loss}, so the weights have diverged and no adapter was written; ` +
      `lower the learning rate (it is ${lr}; --lr, smolcode.finetune.learningRate) or check the initial adapter and the data`,
  );
}
