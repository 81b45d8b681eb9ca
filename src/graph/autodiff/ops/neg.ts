/**
 * @file Neg: y = -x (rotate_half's sign flip).
 * Shapes (legend: X = any shape): x [X], y [X].
 * Saves for backward: nothing.
 */
import type { Tape, Tensor } from '../tape';

export function forward(t: Tape, x: Tensor): Tensor {
  const y = t.result(t.op.neg(x.name), x.shape, [x]);
  t.record([y], ([dy]) => backward(t, x, dy!));
  return y;
}

export function backward(t: Tape, x: Tensor, dy: string): void {
  t.accumulate(x, () => t.op.neg(dy)); // x.grad += -dy
}
