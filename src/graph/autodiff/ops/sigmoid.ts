/**
 * @file Sigmoid: y = 1 / (1 + e^-x); with Mul it makes SiLU, x · σ(x), in the MLP.
 * Shapes (legend: X = any shape): x [X], y [X].
 * Saves for backward: the output y, since ∂y/∂x = y (1 - y).
 */
import type { Tape, Tensor } from '../tape';

export function forward(t: Tape, x: Tensor): Tensor {
  const y = t.result(t.op.sigmoid(x.name), x.shape, [x]);
  t.record([y], ([dy]) => backward(t, x, y, dy!));
  return y;
}

export function backward(t: Tape, x: Tensor, y: Tensor, dy: string): void {
  const slope = t.op.mul(y.name, t.op.sub(t.scalar(1), y.name));
  t.accumulate(x, () => t.op.mul(dy, slope)); // x.grad += dy · y (1 - y)
}
