/**
 * @file Softmax along one axis (attention probabilities).
 * Shapes (legend: X = any shape, the axis usually last): x [X], y [X].
 * Saves for backward: the output y; the Jacobian-vector product is y · (dy - Σ(dy · y)) along the axis.
 */
import type { Tape, Tensor } from '../tape';

export function forward(t: Tape, x: Tensor, axis: number): Tensor {
  const y = t.result(t.op.softmax(x.name, axis), x.shape, [x]);
  t.record([y], ([dy]) => backward(t, x, y, axis, dy!));
  return y;
}

export function backward(t: Tape, x: Tensor, y: Tensor, axis: number, dy: string): void {
  const dot = t.op.reduceSum(t.op.mul(dy, y.name), [axis]);
  t.accumulate(x, () => t.op.mul(y.name, t.op.sub(dy, dot))); // x.grad += y (dy - Σ dy·y)
}
