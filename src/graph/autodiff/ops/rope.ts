/**
 * @file Rotary position embedding, as Hugging Face Llama applies it: y = x·cos +
 * rotate_half(x)·sin with rotate_half([x1, x2]) = [-x2, x1] over the last dim (non-interleaved
 * halves; see `applyRope` in model/llama.ts, whose nodes the forward repeats). cos and sin are
 * constants.
 * Shapes (legend: B batch, H heads, S positions, D head dim): x [B, H, S, D], cos/sin [1, 1, S, D], y [B, H, S, D].
 * Saves for backward: nothing; the rotation is linear in x with transpose
 * rotate_halfᵀ([u1, u2]) = [u2, -u1], so dx = dy·cos + rotate_halfᵀ(dy·sin).
 */
import type { Tape, Tensor } from '../tape';

export function forward(t: Tape, x: Tensor, cos: string, sin: string): Tensor {
  const { op } = t;
  const [x1, x2] = op.split(x.name, -1, 2);
  const y = t.result(op.add(op.mul(x.name, cos), op.mul(op.concat([op.neg(x2), x1], -1), sin)), x.shape, [x]);
  t.record([y], ([dy]) => backward(t, x, cos, sin, dy!));
  return y;
}

export function backward(t: Tape, x: Tensor, cos: string, sin: string, dy: string): void {
  const { op } = t;
  const [u1, u2] = op.split(op.mul(dy, sin), -1, 2);
  t.accumulate(x, () => op.add(op.mul(dy, cos), op.concat([u2, op.neg(u1)], -1))); // x.grad += dy·cos + rotate_halfᵀ(dy·sin)
}
