/**
 * @file Mul: y = a · b elementwise, numpy broadcasting.
 * Shapes (legend: Y = broadcast of A and B): a [A], b [B], y [Y].
 * Saves for backward: a and b (each input's gradient is dy times the other input).
 */
import { broadcastShapes, sumTo } from '../shapes';
import type { Tape, Tensor } from '../tape';

export function forward(t: Tape, a: Tensor, b: Tensor): Tensor {
  const y = t.result(t.op.mul(a.name, b.name), broadcastShapes(a.shape, b.shape), [a, b]);
  t.record([y], ([dy]) => backward(t, a, b, y, dy!));
  return y;
}

export function backward(t: Tape, a: Tensor, b: Tensor, y: Tensor, dy: string): void {
  t.accumulate(a, () => sumTo(t, t.op.mul(dy, b.name), y.shape, a.shape)); // a.grad += dy · b
  t.accumulate(b, () => sumTo(t, t.op.mul(dy, a.name), y.shape, b.shape)); // b.grad += dy · a
}
