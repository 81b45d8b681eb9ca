/**
 * @file Dropout in training mode, as PyTorch's nn.Dropout trains: y = x · m / (1 - p) with m a
 * fresh Bernoulli(1 - p) mask per run; PEFT applies it to a LoRA layer's input, before A.
 * Shapes (legend: X = any shape): x [X], y [X], mask [X] (boolean).
 * Saves for backward: the mask, since ∂y/∂x = m / (1 - p). It is random, so this rule is
 * checked against the mask the same run drew rather than by finite differences.
 */
import type { Tape, Tensor } from '../tape';

export function forward(t: Tape, x: Tensor, ratio: number, seed: number): Tensor {
  if (!(ratio > 0 && ratio < 1)) throw new RangeError(`dropout ratio must be above 0 and below 1, got ${ratio}`);
  const [out, mask] = t.op.dropout(x.name, t.scalar(ratio), seed);
  const y = t.result(out, x.shape, [x]);
  t.record([y], ([dy]) => backward(t, x, mask, ratio, dy!));
  return y;
}

export function backward(t: Tape, x: Tensor, mask: string, ratio: number, dy: string): void {
  const keep = t.op.mul(t.op.cast(mask, t.dtype), t.scalar(1 / (1 - ratio)));
  t.accumulate(x, () => t.op.mul(dy, keep)); // x.grad += dy · m / (1 - p)
}
