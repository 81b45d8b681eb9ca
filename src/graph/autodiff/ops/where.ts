/**
 * @file Where: y = condition ? a : b, numpy broadcasting; the condition is boolean and gets no gradient.
 * Shapes (legend: Y = broadcast of C, A and B): condition [C], a [A], b [B], y [Y].
 * Saves for backward: the condition, which routes dy to a or to b.
 */
import { broadcastShapes, sumTo } from '../shapes';
import type { Tape, Tensor } from '../tape';

export function forward(t: Tape, condition: Tensor, a: Tensor, b: Tensor): Tensor {
  const shape = broadcastShapes(condition.shape, broadcastShapes(a.shape, b.shape));
  const y = t.result(t.op.where(condition.name, a.name, b.name), shape, [a, b]);
  t.record([y], ([dy]) => backward(t, condition, a, b, y, dy!));
  return y;
}

export function backward(t: Tape, condition: Tensor, a: Tensor, b: Tensor, y: Tensor, dy: string): void {
  const zero = t.scalar(0);
  t.accumulate(a, () => sumTo(t, t.op.where(condition.name, dy, zero), y.shape, a.shape)); // a.grad += dy where c
  t.accumulate(b, () => sumTo(t, t.op.where(condition.name, zero, dy), y.shape, b.shape)); // b.grad += dy where !c
}
