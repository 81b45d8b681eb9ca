/**
 * @file Linear: y = scale · x·Wᵀ (+ r) on rows, with W in Hugging Face's [out, in] layout (every
 * projection, the LoRA A and B matrices, and the tied lm_head). One Gemm(transB) forward, so
 * frozen weights are stored once and never transposed into a copy. The optional residual `r`
 * is Gemm's C input: a LoRA branch adds onto its base projection's output inside the Gemm, where
 * a separate Add would allocate and read another [N, M] tensor (210 of them per 135M forward).
 * Shapes (legend: N rows, K in features, M out features): x [N, K], w [M, K], r [N, M], y [N, M].
 * Saves for backward: x and w (∂x = scale · dy·W, ∂W = scale · dyᵀ·x, ∂r = dy). ∂x is added onto
 * x's gradient so far through Gemm's C input too.
 */
import type { Tape, Tensor } from '../tape';

export function forward(t: Tape, x: Tensor, w: Tensor, scale = 1, residual?: Tensor): Tensor {
  if (x.shape.length !== 2 || w.shape.length !== 2 || x.shape[1] !== w.shape[1]) {
    throw new Error(`linear needs x [N, K] and w [M, K], got [${x.shape}] and [${w.shape}]`);
  }
  const shape = [x.shape[0]!, w.shape[0]!];
  if (residual && (residual.shape.length !== 2 || residual.shape[0] !== shape[0] || residual.shape[1] !== shape[1])) {
    throw new Error(`linear's residual must be [${shape}] like its output, got [${residual.shape}]`);
  }
  const inputs = residual ? [x, w, residual] : [x, w];
  const y = t.result(t.op.gemm(x.name, w.name, { transB: true, alpha: scale, c: residual?.name }), shape, inputs);
  t.record([y], ([dy]) => backward(t, x, w, scale, dy!, residual));
  return y;
}

export function backward(t: Tape, x: Tensor, w: Tensor, scale: number, dy: string, residual?: Tensor): void {
  t.accumulateInto(x, (previous) => t.op.gemm(dy, w.name, { alpha: scale, c: previous })); // x.grad += scale · dy·W
  t.accumulate(w, () => t.op.gemm(dy, x.name, { transA: true, alpha: scale })); // w.grad += scale · dyᵀ·x
  if (residual) t.accumulate(residual, () => dy); // r.grad += dy
}
