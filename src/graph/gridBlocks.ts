/**
 * @file Recovers quantized blocks from floats that were dequantized from them. A model imported
 * from a GGUF keeps float32 weights (model.safetensors) for training and merging; each block of
 * those floats still lies exactly on its 4- or 8-bit grid. Quantizing them again with our own
 * scheme moves every value (a Q4_1 block's float minimum is not on a symmetric grid), which cost
 * held-out suggestions more than a fine-tune gains. Reading the grid back gives the file's
 * blocks exactly, in MatMulNBits' layout (graph/quantize.ts), without the GGUF at hand.
 *
 * Grids recognised, each the form a llama.cpp type dequantizes to:
 * - 4 bits, symmetric (Q4_0): value = (code − 8) · d, the block's largest magnitude at code 0;
 * - 4 bits, with a minimum (Q4_1): value = code · d + m, the block's minimum at code 0 and its
 *   maximum at code 15 (llama.cpp's quantizer puts them there);
 * - 8 bits, symmetric (Q8_0): value = q · d with d = largest magnitude / 127.
 * A tensor is recovered only when every block fits one of them to float32 rounding.
 */
import type { QuantBits, QuantizedMatrix } from './quantize';

/** Largest distance from the grid, relative to the block's largest magnitude: float32 rounding of d · q + m, with room. */
const FIT_TOLERANCE = 1e-6;

interface BlockGrid {
  readonly scale: number;
  /** Added to (code − zero) · scale; 0 for symmetric grids. */
  readonly offset: number;
}

/** The codes of `values[start, start + len)` on `grid`, or false when a value is off it. */
function fitCodes(values: Float32Array, start: number, len: number, grid: BlockGrid, zero: number, maxCode: number, magnitude: number, codes: Uint8Array): boolean {
  const tolerance = FIT_TOLERANCE * magnitude;
  for (let i = 0; i < len; i++) {
    const x = values[start + i];
    const code = grid.scale === 0 ? zero : Math.round((x - grid.offset) / grid.scale) + zero;
    if (code < 0 || code > maxCode) return false;
    if (Math.abs((code - zero) * grid.scale + grid.offset - x) > tolerance) return false;
    codes[i] = code;
  }
  return true;
}

/**
 * The blocks `w` (row-major `[n, k]`, HF Linear layout) was dequantized from, or undefined when
 * some block is on no grid of `bits` bits. `k` must be a whole number of blocks.
 */
export function recoverGridBlocks(w: Float32Array, n: number, k: number, bits: QuantBits, blockSize = 32): QuantizedMatrix | undefined {
  if (w.length !== n * k || k % blockSize !== 0) return undefined;
  const blocks = k / blockSize;
  const zero = 1 << (bits - 1);
  const maxCode = (1 << bits) - 1;
  const blobBytes = (blockSize * bits) / 8;
  const packed = new Uint8Array(n * blocks * blobBytes);
  const scales = new Float32Array(n * blocks);
  const offsets = new Float32Array(n * blocks);
  let anyOffset = false;
  const codes = new Uint8Array(blockSize);
  for (let b = 0; b < n * blocks; b++) {
    const start = b * blockSize;
    let min = Infinity;
    let max = -Infinity;
    let extreme = 0;
    for (let i = 0; i < blockSize; i++) {
      const x = w[start + i];
      if (x < min) min = x;
      if (x > max) max = x;
      if (Math.abs(x) > Math.abs(extreme)) extreme = x;
    }
    const magnitude = Math.abs(extreme);
    const candidates: BlockGrid[] =
      bits === 8
        ? [{ scale: magnitude / 127, offset: 0 }]
        : [
            { scale: extreme / -zero, offset: 0 },
            // code · d + m is (code − 8) · d + (m + 8d).
            { scale: (max - min) / maxCode, offset: min + (zero * (max - min)) / maxCode },
          ];
    const grid = candidates.find((c) => fitCodes(w, start, blockSize, c, zero, maxCode, magnitude, codes));
    if (!grid) return undefined;
    scales[b] = grid.scale;
    offsets[b] = grid.offset;
    if (grid.offset !== 0) anyOffset = true;
    const out = b * blobBytes;
    if (bits === 8) packed.set(codes, out);
    else for (let i = 0; i < blobBytes; i++) packed[out + i] = codes[2 * i] | (codes[2 * i + 1] << 4);
  }
  return { n, k, bits, blockSize, packed, scales, offsets: anyOffset ? offsets : undefined };
}
