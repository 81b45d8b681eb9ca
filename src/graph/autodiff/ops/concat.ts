/**
 * @file Concat along one axis.
 * Shapes (legend: Xi inputs that agree except on the axis, where sizes add up): xs [Xi], y [Y].
 * Saves for backward: each input's offset along the axis; each gradient is its slice of dy.
 */
import { axisOf } from '../shapes';
import type { Tape, Tensor } from '../tape';

export function forward(t: Tape, xs: readonly Tensor[], axis: number): Tensor {
  const a = axisOf(axis, xs[0].shape.length);
  const shape = [...xs[0].shape];
  shape[a] = xs.reduce((sum, x) => sum + x.shape[a], 0);
  const y = t.result(t.op.concat(xs.map((x) => x.name), axis), shape, xs);
  t.record([y], ([dy]) => backward(t, xs, a, dy!));
  return y;
}

export function backward(t: Tape, xs: readonly Tensor[], axis: number, dy: string): void {
  let offset = 0;
  for (const x of xs) {
    const start = offset;
    t.accumulate(x, () => t.op.slice(dy, [start], [start + x.shape[axis]], [axis])); // x.grad += dy[start:end]
    offset += x.shape[axis];
  }
}
