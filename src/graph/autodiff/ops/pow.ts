/**
 * @file Pow with a constant exponent: y = x^p (RMSNorm's x²).
 * Shapes (legend: X = any shape): x [X], y [X].
 * Saves for backward: x, since ∂y/∂x = p · x^(p-1).
 */
import type { Tape, Tensor } from '../tape';

export function forward(t: Tape, x: Tensor, p: number): Tensor {
  const y = t.result(t.op.pow(x.name, t.scalar(p)), x.shape, [x]);
  t.record([y], ([dy]) => backward(t, x, p, dy!));
  return y;
}

export function backward(t: Tape, x: Tensor, p: number, dy: string): void {
  // x.grad += dy · p · x^(p-1); for p = 2 that is dy · 2x, without a second Pow.
  const slope = p === 2 ? t.op.mul(x.name, t.scalar(2)) : t.op.mul(t.op.pow(x.name, t.scalar(p - 1)), t.scalar(p));
  t.accumulate(x, () => t.op.mul(dy, slope));
}
