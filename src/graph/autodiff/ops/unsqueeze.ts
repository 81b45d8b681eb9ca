/**
 * @file Unsqueeze: inserts size-1 dims at `axes` (axes of the output, as ONNX defines them).
 * Shapes (legend: X in, Y = X with 1s inserted): x [X], y [Y].
 * Saves for backward: the input shape; the gradient is dy viewed back as [X].
 */
import { axisOf } from '../shapes';
import type { Tape, Tensor } from '../tape';

export function forward(t: Tape, x: Tensor, axes: readonly number[]): Tensor {
  const rank = x.shape.length + axes.length;
  const inserted = new Set(axes.map((a) => axisOf(a, rank)));
  const rest = [...x.shape];
  const shape = Array.from({ length: rank }, (_, i) => (inserted.has(i) ? 1 : rest.shift()!));
  const y = t.result(t.op.unsqueeze(x.name, axes), shape, [x]);
  t.record([y], ([dy]) => backward(t, x, dy!));
  return y;
}

export function backward(t: Tape, x: Tensor, dy: string): void {
  t.accumulate(x, () => t.op.reshape(dy, x.shape)); // x.grad += reshape(dy, X)
}
