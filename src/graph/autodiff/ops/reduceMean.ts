/**
 * @file ReduceMean over some axes, keeping them as size-1 dims (RMSNorm's mean of x²).
 * Shapes (legend: X = input, R = X with the reduced axes set to 1): x [X], y [R].
 * Saves for backward: nothing but the shapes; each input element gets dy / n.
 */
import { axisOf, sizeOf } from '../shapes';
import type { Tape, Tensor } from '../tape';

export function forward(t: Tape, x: Tensor, axes: readonly number[]): Tensor {
  const reduced = new Set(axes.map((a) => axisOf(a, x.shape.length)));
  const shape = x.shape.map((d, i) => (reduced.has(i) ? 1 : d));
  const y = t.result(t.op.reduceMean(x.name, axes), shape, [x]);
  t.record([y], ([dy]) => backward(t, x, y, dy!));
  return y;
}

export function backward(t: Tape, x: Tensor, y: Tensor, dy: string): void {
  const n = sizeOf(x.shape) / sizeOf(y.shape);
  t.accumulate(x, () => t.op.expand(t.op.mul(dy, t.scalar(1 / n)), x.shape)); // x.grad += dy / n
}
