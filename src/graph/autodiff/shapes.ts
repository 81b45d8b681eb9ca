/**
 * @file Static shape arithmetic for the autodiff rules: numpy broadcasting forward, and its
 * adjoint backward (sum a gradient over the axes a broadcast added or stretched).
 */
import type { Tape } from './tape';

/** Number of elements of `shape`. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The numpy broadcast of two shapes; throws naming both when they do not broadcast. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`shapes [${a}] and [${b}] do not broadcast`);
    out.push(Math.max(da, db));
  }
  return out;
}

/** Sums gradient `dy` of shape `from` down to `to`, the shape a broadcast stretched to `from`. */
export function sumTo(t: Tape, dy: string, from: readonly number[], to: readonly number[]): string {
  const offset = from.length - to.length;
  const axes = from.flatMap((d, i) => (i < offset || (to[i - offset] === 1 && d !== 1) ? [i] : []));
  const summed = axes.length > 0 ? t.op.reduceSum(dy, axes) : dy;
  return offset > 0 ? t.op.reshape(summed, to) : summed;
}

/** Normalises a possibly negative axis of a rank-`rank` tensor. */
export function axisOf(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new Error(`axis ${axis} out of range for rank ${rank}`);
  return a;
}
