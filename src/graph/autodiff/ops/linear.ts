/**
 * @file Linear: y = scale · x·Wᵀ on rows, with W in Hugging Face's [out, in] layout (every
 * projection, the LoRA A and B matrices, and the tied lm_head). One Gemm(transB) forward, so
 * frozen weights are stored once and never transposed into a copy.
 * Shapes (legend: N rows, K in features, M out features): x [N, K], w [M, K], y [N, M].
 * Saves for backward: x and w (∂x = scale · dy·W, ∂W = scale · dyᵀ·x).
 */
import type { Tape, Tensor } from '../tape';

export function forward(t: Tape, x: Tensor, w: Tensor, scale = 1): Tensor {
  if (x.shape.length !== 2 || w.shape.length !== 2 || x.shape[1] !== w.shape[1]) {
    throw new Error(`linear needs x [N, K] and w [M, K], got [${x.shape}] and [${w.shape}]`);
  }
  const y = t.result(t.op.gemm(x.name, w.name, { transB: true, alpha: scale }), [x.shape[0], w.shape[0]], [x, w]);
  t.record([y], ([dy]) => backward(t, x, w, scale, dy!));
  return y;
}

export function backward(t: Tape, x: Tensor, w: Tensor, scale: number, dy: string): void {
  t.accumulate(x, () => t.op.gemm(dy, w.name, { alpha: scale })); // x.grad += scale · dy·W
  t.accumulate(w, () => t.op.gemm(dy, x.name, { transA: true, alpha: scale })); // w.grad += scale · dyᵀ·x
}
