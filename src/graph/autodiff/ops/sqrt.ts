/**
 * @file Sqrt: y = √x (RMSNorm's root of the mean square).
 * Shapes (legend: X = any shape): x [X], y [X].
 * Saves for backward: the output y, since ∂y/∂x = 1 / (2y).
 */
import type { Tape, Tensor } from '../tape';

export function forward(t: Tape, x: Tensor): Tensor {
  const y = t.result(t.op.sqrt(x.name), x.shape, [x]);
  t.record([y], ([dy]) => backward(t, x, y, dy!));
  return y;
}

export function backward(t: Tape, x: Tensor, y: Tensor, dy: string): void {
  t.accumulate(x, () => t.op.div(dy, t.op.mul(y.name, t.scalar(2)))); // x.grad += dy / (2y)
}
