/**
 * @file Reshape to a static shape (one dim may be -1). Also serves Squeeze-like views.
 * Shapes (legend: X in, Y out, same element count): x [X], y [Y].
 * Saves for backward: the input shape; the gradient is dy viewed back as [X].
 */
import { sizeOf } from '../shapes';
import type { Tape, Tensor } from '../tape';

export function forward(t: Tape, x: Tensor, shape: readonly number[]): Tensor {
  const known = sizeOf(shape.filter((d) => d !== -1));
  const resolved = shape.map((d) => (d === -1 ? sizeOf(x.shape) / known : d));
  if (sizeOf(resolved) !== sizeOf(x.shape)) throw new Error(`cannot reshape [${x.shape}] to [${shape}]`);
  const y = t.result(t.op.reshape(x.name, resolved), resolved, [x]);
  t.record([y], ([dy]) => backward(t, x, dy!));
  return y;
}

export function backward(t: Tape, x: Tensor, dy: string): void {
  t.accumulate(x, () => t.op.reshape(dy, x.shape)); // x.grad += reshape(dy, X)
}
