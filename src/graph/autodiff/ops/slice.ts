/**
 * @file Slice with static bounds and step 1: y = x[start:end] along one axis.
 * Shapes (legend: X in, Y = X with the axis cut to end - start): x [X], y [Y].
 * Saves for backward: the bounds; the gradient is dy zero-padded back to [X].
 */
import { axisOf } from '../shapes';
import type { Tape, Tensor } from '../tape';

export function forward(t: Tape, x: Tensor, axis: number, start: number, end: number): Tensor {
  const a = axisOf(axis, x.shape.length);
  const dim = x.shape[a];
  const s = Math.min(Math.max(start < 0 ? start + dim : start, 0), dim);
  const e = Math.min(Math.max(end < 0 ? end + dim : end, s), dim);
  const y = t.result(t.op.slice(x.name, [s], [e], [a]), x.shape.map((d, i) => (i === a ? e - s : d)), [x]);
  t.record([y], ([dy]) => backward(t, x, a, s, e, dy!));
  return y;
}

export function backward(t: Tape, x: Tensor, axis: number, start: number, end: number, dy: string): void {
  const pads = [...x.shape.map((_, i) => (i === axis ? start : 0)), ...x.shape.map((d, i) => (i === axis ? d - end : 0))];
  t.accumulate(x, () => t.op.pad(dy, pads)); // x.grad[start:end] += dy
}
