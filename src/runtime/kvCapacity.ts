/**
 * @file How large a preallocated KV cache is (fusedSession.ts). ONNX Runtime 1.30's CPU
 * GroupQueryAttention does work in proportion to the cache buffer's capacity, not only to the
 * valid length (measured on 135M q4 at 512 valid positions: decode about 2-4x slower with a
 * 2048-position buffer than with 768), and the CPU graph's MatMul attention scores every position
 * of the buffer (masking the stale ones), so capacity is kept tight: the positions needed rounded
 * up to a small block. Growing copies the cache, which at one copy per block of decoded tokens
 * costs far less than carrying slack.
 */

/** Capacity is a multiple of this many positions. */
export const KV_BLOCK = 64;

/** The capacity to allocate for `needed` positions, at most `max`. */
export function kvCapacityFor(needed: number, max: number): number {
  if (!(needed <= max)) throw new RangeError(`${needed} positions exceed the context of ${max}`);
  return Math.min(max, Math.max(KV_BLOCK, Math.ceil(needed / KV_BLOCK) * KV_BLOCK));
}

/** Whether a cache of `capacity` should be reallocated to hold `needed` positions: too small, or more than a block of slack. */
export function kvNeedsRealloc(capacity: number, needed: number, max: number): boolean {
  return capacity < needed || capacity > kvCapacityFor(needed, max) + KV_BLOCK;
}
