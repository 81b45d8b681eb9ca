/**
 * @file Add: y = a + b, numpy broadcasting. Also the attention mask: scores + bias, where the
 * bias is a constant and gets no gradient.
 * Shapes (legend: Y = broadcast of A and B): a [A], b [B], y [Y].
 * Saves for backward: nothing; the gradient of a sum passes through, summed to each input's shape.
 */
import { broadcastShapes, sumTo } from '../shapes';
import type { Tape, Tensor } from '../tape';

export function forward(t: Tape, a: Tensor, b: Tensor): Tensor {
  const y = t.result(t.op.add(a.name, b.name), broadcastShapes(a.shape, b.shape), [a, b]);
  t.record([y], ([dy]) => backward(t, a, b, y, dy!));
  return y;
}

export function backward(t: Tape, a: Tensor, b: Tensor, y: Tensor, dy: string): void {
  t.accumulate(a, () => sumTo(t, dy, y.shape, a.shape)); // a.grad += dy
  t.accumulate(b, () => sumTo(t, dy, y.shape, b.shape)); // b.grad += dy
}
