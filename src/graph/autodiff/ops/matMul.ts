/**
 * @file MatMul: y = a · b over the last two dims, batch dims broadcast (attention's q·kᵀ and
 * probs·v; grouped-query attention broadcasts one KV head over its group of query heads).
 * Shapes (legend: M rows, K inner, N columns, [..] batch dims, broadcast): a [..a, M, K],
 * b [..b, K, N], y [..y, M, N].
 * Saves for backward: a and b (∂a = dy·bᵀ, ∂b = aᵀ·dy, each summed over broadcast batch dims).
 */
import { broadcastShapes, sumTo } from '../shapes';
import type { Tape, Tensor } from '../tape';

export function forward(t: Tape, a: Tensor, b: Tensor): Tensor {
  if (a.shape.length < 2 || b.shape.length < 2) throw new Error(`matMul needs rank >= 2, got [${a.shape}] and [${b.shape}]`);
  const [m, k] = a.shape.slice(-2);
  const [k2, n] = b.shape.slice(-2);
  if (k !== k2) throw new Error(`matMul inner dims differ: [${a.shape}] · [${b.shape}]`);
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const y = t.result(t.op.matMul(a.name, b.name), [...batch, m, n], [a, b]);
  t.record([y], ([dy]) => backward(t, a, b, y, dy!));
  return y;
}

/** Swaps the last two dims. */
function transposeLast(t: Tape, x: Tensor): string {
  const r = x.shape.length;
  return t.op.transpose(x.name, [...Array.from({ length: r - 2 }, (_, i) => i), r - 1, r - 2]);
}

export function backward(t: Tape, a: Tensor, b: Tensor, y: Tensor, dy: string): void {
  const batch = y.shape.slice(0, -2);
  // a.grad += dy · bᵀ, summed over the batch dims a was broadcast along
  t.accumulate(a, () => sumTo(t, t.op.matMul(dy, transposeLast(t, b)), [...batch, ...a.shape.slice(-2)], a.shape));
  // b.grad += aᵀ · dy, likewise
  t.accumulate(b, () => sumTo(t, t.op.matMul(transposeLast(t, a), dy), [...batch, ...b.shape.slice(-2)], b.shape));
}
