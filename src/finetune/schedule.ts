/**
 * @file The learning-rate schedule: linear warmup then cosine decay to zero, as transformers'
 * get_cosine_schedule_with_warmup (optimization.py), with `step` counted from 0 like its
 * LambdaLR (so with warmup the first update uses lr 0, as in Hugging Face's Trainer).
 */

/** The learning rate of optimizer step `step` (0-based) of `total`, peaking at `peak` after `warmup` steps. */
export function cosineWithWarmup(step: number, total: number, warmup: number, peak: number): number {
  if (step < warmup) return (peak * step) / Math.max(1, warmup);
  const progress = (step - warmup) / Math.max(1, total - warmup);
  return peak * Math.max(0, 0.5 * (1 + Math.cos(Math.PI * progress)));
}
