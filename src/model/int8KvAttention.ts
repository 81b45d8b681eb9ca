/**
 * @file Attention over an 8-bit KV cache, for the fused matmul graph (llamaFused.ts). A keystroke
 * after the user paused reads the whole cache from memory, and a float32 cache at 1500 positions
 * is as many bytes as the 135M model's 4-bit weights (69 MB). ONNX Runtime has no CPU kernel
 * that reads a half or 8-bit cache quickly, but `MatMulInteger` multiplies bytes by bytes with
 * MLAS's u8·s8 GEMM, which reads an 8-bit cache at a quarter of the bytes: attention alone over
 * 1500 positions, 30 layers of the 135M shape, 2 threads, took 3.2 ms after 100 ms idle against
 * 4.3 ms for the float32 matmul path, and 1.8 against 3.9 ms back to back.
 *
 * The cache, per layer and KV head (the caller writes it, runtime/kvRows.ts):
 * - keys transposed, int8 `[batch, kvHeads, headDim, capacity]`, so they are MatMulInteger's
 *   right-hand side as they are; values int8 `[batch, kvHeads, capacity, headDim]`;
 * - one float32 scale per position for each, `[batch, kvHeads, 1, capacity]`: code = round(x /
 *   scale), scale = max |x| / 127 over the position's head_dim values (llama.cpp's q8_0 cache
 *   keeps one per 32).
 *
 * The other operand is rounded per row too: each query row to 7 bits with zero point 64, and
 * each row of probabilities (times the values' scales) to 0..128. Seven bits rather than eight
 * keep every product of a pair of codes below 32767: MLAS's u8·s8 kernels for x86 without VNNI
 * sum pairs of products in saturating 16-bit lanes (runtime/int8Products.ts), and a cache that
 * needs the exact fallback there would need a second graph.
 */
import { DataType } from '../graph/graphBuilder';
import type { Ops } from '../graph/ops';
import { rowQuantizedMatMul } from './precision';

/**
 * Half the range of a rounded query or probability row: codes run 0..128, and 128 · 127 · 2 <
 * 32767 (see the file header).
 */
export const ACTIVATION_CODE_MAX = 64;

/** One layer's 8-bit cache inputs (see the file header). */
export interface Int8Past {
  readonly keyT: string;
  readonly keyScale: string;
  readonly value: string;
  readonly valueScale: string;
}

/**
 * Scores of query `rows` `[batch, kvHeads, rows, headDim]` (already scaled by 1/√head_dim)
 * against the cached keys: `[batch, kvHeads, rows, capacity]`.
 */
export function int8CacheScores(op: Ops, rows: string, past: Int8Past): string {
  return rowQuantizedMatMul(op, rows, past.keyT, past.keyScale, ACTIVATION_CODE_MAX);
}

/** Probabilities `[batch, kvHeads, rows, capacity]` times the cached values: `[batch, kvHeads, rows, headDim]`. */
export function int8CacheValues(op: Ops, probs: string, past: Int8Past): string {
  const weighted = op.mul(probs, past.valueScale);
  // Probabilities are never negative, so no zero point; 2 · ACTIVATION_CODE_MAX levels. An
  // all-masked row keeps a tiny step instead of dividing by zero.
  const step = op.div(op.max(op.reduceMax(weighted, [-1]), op.scalar(1e-30)), op.scalar(2 * ACTIVATION_CODE_MAX));
  const codes = op.cast(op.round(op.div(weighted, step)), DataType.uint8);
  const products = op.g.node('MatMulInteger', [codes, past.value])[0];
  return op.mul(op.cast(products, DataType.float), step);
}

/**
 * The first `length` positions (an int64 `[1]`) of the cache as float32 `[batch, kvHeads, length,
 * headDim]` keys and values, for GroupQueryAttention: a prompt chunk widens only the valid ones.
 */
export function dequantizedCache(op: Ops, past: Int8Past, length: string): { key: string; value: string } {
  const valid = (x: string, axis: number) => op.g.node('Slice', [x, op.int64([0]), length, op.int64([axis])])[0];
  const key = op.transpose(op.mul(op.cast(valid(past.keyT, 3), DataType.float), valid(past.keyScale, 3)), [0, 1, 3, 2]);
  const value = op.mul(op.cast(valid(past.value, 2), DataType.float), op.transpose(valid(past.valueScale, 3), [0, 1, 3, 2]));
  return { key, value };
}
