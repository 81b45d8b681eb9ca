/**
 * @file Div: y = a / b elementwise, numpy broadcasting (RMSNorm's x / rms).
 * Shapes (legend: Y = broadcast of A and B): a [A], b [B], y [Y].
 * Saves for backward: b and the output y, since ∂y/∂b = -a/b² = -y/b.
 */
import { broadcastShapes, sumTo } from '../shapes';
import type { Tape, Tensor } from '../tape';

export function forward(t: Tape, a: Tensor, b: Tensor): Tensor {
  const y = t.result(t.op.div(a.name, b.name), broadcastShapes(a.shape, b.shape), [a, b]);
  t.record([y], ([dy]) => backward(t, a, b, y, dy!));
  return y;
}

export function backward(t: Tape, a: Tensor, b: Tensor, y: Tensor, dy: string): void {
  const dyOverB = t.op.div(dy, b.name);
  t.accumulate(a, () => sumTo(t, dyOverB, y.shape, a.shape)); // a.grad += dy / b
  t.accumulate(b, () => sumTo(t, t.op.neg(t.op.mul(dyOverB, y.name)), y.shape, b.shape)); // b.grad += -dy · y / b
}
