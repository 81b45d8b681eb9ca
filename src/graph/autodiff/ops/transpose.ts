/**
 * @file Transpose by a permutation (attention's [B, S, heads, D] ⇄ [B, heads, S, D]).
 * Shapes (legend: X in; y's dim i is x's dim perm[i]): x [X], y [X permuted].
 * Saves for backward: perm; the gradient is dy transposed by the inverse permutation.
 */
import type { Tape, Tensor } from '../tape';

export function forward(t: Tape, x: Tensor, perm: readonly number[]): Tensor {
  const y = t.result(t.op.transpose(x.name, perm), perm.map((p) => x.shape[p]), [x]);
  t.record([y], ([dy]) => backward(t, x, perm, dy!));
  return y;
}

export function backward(t: Tape, x: Tensor, perm: readonly number[], dy: string): void {
  const inverse = perm.map((_, i) => perm.indexOf(i));
  t.accumulate(x, () => t.op.transpose(dy, inverse)); // x.grad += transpose(dy, perm⁻¹)
}
