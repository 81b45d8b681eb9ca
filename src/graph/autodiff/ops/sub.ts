/**
 * @file Sub: y = a - b, numpy broadcasting.
 * Shapes (legend: Y = broadcast of A and B): a [A], b [B], y [Y].
 * Saves for backward: nothing.
 */
import { broadcastShapes, sumTo } from '../shapes';
import type { Tape, Tensor } from '../tape';

export function forward(t: Tape, a: Tensor, b: Tensor): Tensor {
  const y = t.result(t.op.sub(a.name, b.name), broadcastShapes(a.shape, b.shape), [a, b]);
  t.record([y], ([dy]) => backward(t, a, b, y, dy!));
  return y;
}

export function backward(t: Tape, a: Tensor, b: Tensor, y: Tensor, dy: string): void {
  t.accumulate(a, () => sumTo(t, dy, y.shape, a.shape)); // a.grad += dy
  t.accumulate(b, () => t.op.neg(sumTo(t, dy, y.shape, b.shape))); // b.grad += -dy
}
