/**
 * @file Expand: broadcasts x to a larger static shape.
 * Shapes (legend: X in, Y = the broadcast target): x [X], y [Y].
 * Saves for backward: the input shape; the gradient sums dy over the broadcast axes.
 */
import { broadcastShapes, sumTo } from '../shapes';
import type { Tape, Tensor } from '../tape';

export function forward(t: Tape, x: Tensor, shape: readonly number[]): Tensor {
  const y = t.result(t.op.expand(x.name, shape), broadcastShapes(x.shape, shape), [x]);
  t.record([y], ([dy]) => backward(t, x, y, dy!));
  return y;
}

export function backward(t: Tape, x: Tensor, y: Tensor, dy: string): void {
  t.accumulate(x, () => sumTo(t, dy, y.shape, x.shape)); // x.grad += Σ_broadcast dy
}
