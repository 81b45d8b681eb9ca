/**
 * @file Split into equal parts along one axis (rotate_half's two halves).
 * Shapes (legend: X in, P parts, Y = X with the axis divided by P): x [X], ys P × [Y].
 * Saves for backward: the part shape; the gradient concatenates the parts' gradients, with
 * zeros for parts that got none.
 */
import { axisOf } from '../shapes';
import type { Tape, Tensor } from '../tape';

export function forward(t: Tape, x: Tensor, axis: number, parts: number): Tensor[] {
  const a = axisOf(axis, x.shape.length);
  if (x.shape[a] % parts !== 0) throw new Error(`cannot split dim ${x.shape[a]} of [${x.shape}] into ${parts} equal parts`);
  const shape = x.shape.map((d, i) => (i === a ? d / parts : d));
  const ys = t.op.split(x.name, axis, parts).map((name) => t.result(name, shape, [x]));
  t.record(ys, (dys) => backward(t, x, ys, a, dys));
  return ys;
}

export function backward(t: Tape, x: Tensor, ys: readonly Tensor[], axis: number, dys: readonly (string | undefined)[]): void {
  // x.grad += concat(dy_1, ..., dy_P)
  t.accumulate(x, () => t.op.concat(dys.map((dy, i) => dy ?? t.op.expand(t.scalar(0), ys[i].shape)), axis));
}
