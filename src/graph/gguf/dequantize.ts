/**
 * @file Dequantization of ggml blocks to float32, one function per type, in the block layouts of
 * ggml-common.h. Each result is bit-identical to gguf-py's `quants.dequantize` (tested against
 * it): scales are float16 widened to float32, and every product and sum is rounded to float32 in
 * the order gguf-py computes it (`Math.fround` after each operation; a float64 result of one
 * float32 operation rounds to the correctly rounded float32).
 */
import { halfBitsToFloat } from '../half';
import { blockLayout, GgmlType, ggmlTypeName, QK_K } from './ggmlTypes';

const f = Math.fround;

/** IQ4_NL's non-linear 4-bit code book. */
const IQ4_NL_VALUES = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113];

/** Reads float16 scales and little-endian words out of a block. */
class Blocks {
  readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  half(at: number): number {
    return halfBitsToFloat(this.view.getUint16(at, true));
  }
}

type Dequantizer = (blocks: Blocks, block: number, out: Float32Array, o: number) => void;

/** Q8_0: x · d. */
const q8_0: Dequantizer = (b, at, out, o) => {
  const d = b.half(at);
  for (let i = 0; i < 32; i++) out[o + i] = f(b.view.getInt8(at + 2 + i) * d);
};

/** 4-bit nibbles of 16 bytes at `at`: elements 0-15 are the low nibbles, 16-31 the high ones. */
function nibble(bytes: Uint8Array, at: number, i: number): number {
  return i < 16 ? bytes[at + i] & 0x0f : bytes[at + i - 16] >> 4;
}

/** Q4_0: d · (q − 8). */
const q4_0: Dequantizer = (b, at, out, o) => {
  const d = b.half(at);
  for (let i = 0; i < 32; i++) out[o + i] = f(d * (nibble(b.bytes, at + 2, i) - 8));
};

/** Q4_1: d · q + m. */
const q4_1: Dequantizer = (b, at, out, o) => {
  const d = b.half(at);
  const m = b.half(at + 2);
  for (let i = 0; i < 32; i++) out[o + i] = f(f(d * nibble(b.bytes, at + 4, i)) + m);
};

/** Q5_0: d · (q − 16), the fifth bit of element i in bit i of a 32-bit word. */
const q5_0: Dequantizer = (b, at, out, o) => {
  const d = b.half(at);
  const high = b.view.getUint32(at + 2, true);
  for (let i = 0; i < 32; i++) out[o + i] = f(d * ((nibble(b.bytes, at + 6, i) | (((high >>> i) & 1) << 4)) - 16));
};

/** Q5_1: d · q + m. */
const q5_1: Dequantizer = (b, at, out, o) => {
  const d = b.half(at);
  const m = b.half(at + 2);
  const high = b.view.getUint32(at + 4, true);
  for (let i = 0; i < 32; i++) out[o + i] = f(f(d * (nibble(b.bytes, at + 8, i) | (((high >>> i) & 1) << 4))) + m);
};

/** IQ4_NL: d · table[q]. */
const iq4_nl: Dequantizer = (b, at, out, o) => {
  const d = b.half(at);
  for (let i = 0; i < 32; i++) out[o + i] = f(d * IQ4_NL_VALUES[nibble(b.bytes, at + 2, i)]);
};

/**
 * Q4_K's eight 6-bit scales and mins, packed in 12 bytes: bytes 0-3 hold scales 0-3 (low 6
 * bits) and the top bits of scales 4-7, bytes 4-7 the mins likewise, bytes 8-11 the low 4 bits
 * of scales 4-7 (low nibble) and mins 4-7 (high nibble).
 */
function scaleMin(bytes: Uint8Array, at: number, j: number): [number, number] {
  if (j < 4) return [bytes[at + j] & 0x3f, bytes[at + 4 + j] & 0x3f];
  const packed = bytes[at + 8 + j - 4];
  return [(packed & 0x0f) | ((bytes[at + j - 4] >> 2) & 0x30), (packed >> 4) | ((bytes[at + j] >> 2) & 0x30)];
}

/** Q4_K: per sub-block of 32, (d · scale) · q − (dmin · min); sub-blocks 2c and 2c+1 share 32 bytes (low, high nibbles). */
const q4_k: Dequantizer = (b, at, out, o) => {
  const d = b.half(at);
  const dmin = b.half(at + 2);
  const qs = at + 4 + 12;
  for (let j = 0; j < 8; j++) {
    const [scale, min] = scaleMin(b.bytes, at + 4, j);
    const ds = f(d * scale);
    const dm = f(dmin * min);
    const base = qs + (j >> 1) * 32;
    const shift = (j & 1) * 4;
    for (let i = 0; i < 32; i++) out[o + j * 32 + i] = f(f(ds * ((b.bytes[base + i] >> shift) & 0x0f)) - dm);
  }
};

/**
 * Q6_K: (d · scale) · (q − 32) with one int8 scale per 16 elements. The low 4 bits of element
 * 32s+e come from byte 64h + 32g + e (h = s/4, g = s%2; low nibble when s%4 < 2), the high 2 bits
 * from byte 32h + e, bits 2·(s%4).
 */
const q6_k: Dequantizer = (b, at, out, o) => {
  const ql = at;
  const qh = at + QK_K / 2;
  const scales = qh + QK_K / 4;
  const d = b.half(scales + QK_K / 16);
  for (let s = 0; s < 8; s++) {
    const h = s >> 2;
    const low = b.bytes.subarray(ql + h * 64 + (s & 1) * 32);
    const lowShift = s & 2 ? 4 : 0;
    const highShift = (s & 3) * 2;
    for (let e = 0; e < 32; e++) {
      const q = ((low[e] >> lowShift) & 0x0f) | (((b.bytes[qh + h * 32 + e] >> highShift) & 0x03) << 4);
      const index = s * 32 + e;
      out[o + index] = f(f(d * b.view.getInt8(scales + (index >> 4))) * (q - 32));
    }
  }
};

const BLOCK_DEQUANTIZERS: Partial<Record<GgmlType, Dequantizer>> = {
  [GgmlType.Q8_0]: q8_0,
  [GgmlType.Q4_0]: q4_0,
  [GgmlType.Q4_1]: q4_1,
  [GgmlType.Q5_0]: q5_0,
  [GgmlType.Q5_1]: q5_1,
  [GgmlType.IQ4_NL]: iq4_nl,
  [GgmlType.Q4_K]: q4_k,
  [GgmlType.Q6_K]: q6_k,
};

/** `count` float32 values from `bytes` of ggml type `type`; throws naming an unsupported type. */
export function dequantize(type: number, bytes: Uint8Array, count: number): Float32Array {
  const layout = blockLayout(type);
  if (!layout) throw new Error(`cannot dequantize ${ggmlTypeName(type)}`);
  const needed = (count / layout.elements) * layout.bytes;
  if (!Number.isInteger(needed) || bytes.length < needed) throw new Error(`${count} ${ggmlTypeName(type)} values need ${needed} bytes, got ${bytes.length}`);
  const blocks = new Blocks(bytes);
  const out = new Float32Array(count);
  switch (type) {
    case GgmlType.F32:
      for (let i = 0; i < count; i++) out[i] = blocks.view.getFloat32(i * 4, true);
      return out;
    case GgmlType.F16:
      for (let i = 0; i < count; i++) out[i] = blocks.half(i * 2);
      return out;
    case GgmlType.BF16: {
      const words = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) words[i] = blocks.view.getUint16(i * 2, true) << 16;
      return out;
    }
  }
  const dequantizer = BLOCK_DEQUANTIZERS[type as GgmlType]!;
  for (let block = 0; block < count / layout.elements; block++) dequantizer(blocks, block * layout.bytes, out, block * layout.elements);
  return out;
}
