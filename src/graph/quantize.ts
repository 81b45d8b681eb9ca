/**
 * @file Block-wise symmetric weight quantization in the layout of ONNX Runtime's
 * `com.microsoft.MatMulNBits` (https://github.com/microsoft/onnxruntime/blob/main/docs/ContribOperators.md#com.microsoft.MatMulNBits):
 * B is `[N, K/block, block*bits/8]` uint8 with two 4-bit values per byte (low nibble first),
 * one scale per block, and no zero-point input, so ORT uses the default 2^(bits-1). As in ORT's
 * own symmetric quantizer, the scale maps the block's largest-magnitude value to -2^(bits-1)
 * exactly, which uses the whole code range.
 */

/** Supported bit widths. */
export type QuantBits = 4 | 8;

/** A quantized `[N, K]` matrix. */
export interface QuantizedMatrix {
  readonly n: number;
  readonly k: number;
  readonly bits: QuantBits;
  readonly blockSize: number;
  /** `[N, blocksPerRow, blockSize * bits / 8]` uint8. */
  readonly packed: Uint8Array;
  /** `[N * blocksPerRow]` float scales. */
  readonly scales: Float32Array;
  /**
   * `[N * blocksPerRow]` float offsets added to every value of a block: value = (code −
   * 2^(bits-1)) · scale + offset, the form llama.cpp's Q4_1 blocks (d · q + m) take exactly. The
   * graph adds them as a small float MatMul of the input's block sums, since MatMulNBits with
   * float zero points runs about 9 times slower on CPU (ORT 1.30; measured on SmolLM2-135M).
   */
  readonly offsets?: Float32Array;
}

/**
 * A quantized matrix a checkpoint already holds: whether it has offsets (the graph needs to know
 * while it is built) and its data, loaded when the writer reaches it.
 */
export interface StoredQuantized {
  readonly hasOffsets: boolean;
  load(): QuantizedMatrix;
}

/** The rows of `matrices` (same K, bits and block size) stacked into one matrix, blocks and all. */
export function stackQuantizedRows(matrices: readonly QuantizedMatrix[]): QuantizedMatrix {
  const [first] = matrices;
  if (matrices.some((m) => m.k !== first.k || m.bits !== first.bits || m.blockSize !== first.blockSize)) throw new Error('cannot stack matrices of different K, bits or block size');
  const concat = <T extends Uint8Array | Float32Array>(parts: T[], make: (n: number) => T): T => {
    const out = make(parts.reduce((sum, p) => sum + p.length, 0));
    let offset = 0;
    for (const p of parts) {
      out.set(p, offset);
      offset += p.length;
    }
    return out;
  };
  const anyOffset = matrices.some((m) => m.offsets);
  return {
    n: matrices.reduce((sum, m) => sum + m.n, 0),
    k: first.k,
    bits: first.bits,
    blockSize: first.blockSize,
    packed: concat(matrices.map((m) => m.packed), (n) => new Uint8Array(n)),
    scales: concat(matrices.map((m) => m.scales), (n) => new Float32Array(n)),
    // A matrix without offsets stacked with ones that have them gets offsets of 0.
    offsets: anyOffset ? concat(matrices.map((m) => m.offsets ?? new Float32Array(m.scales.length)), (n) => new Float32Array(n)) : undefined,
  };
}

/** Quantizes row-major `w` of shape `[n, k]` (HF Linear layout [out, in]); K is zero-padded to whole blocks. */
export function quantizeBlockwise(w: Float32Array, n: number, k: number, bits: QuantBits, blockSize = 32): QuantizedMatrix {
  if (w.length !== n * k) throw new Error(`quantizeBlockwise: ${w.length} values for [${n}, ${k}]`);
  const blocks = Math.ceil(k / blockSize);
  const blobBytes = (blockSize * bits) / 8;
  const zero = 1 << (bits - 1);
  const maxCode = (1 << bits) - 1;
  const packed = new Uint8Array(n * blocks * blobBytes);
  const scales = new Float32Array(n * blocks);
  const codes = new Uint8Array(blockSize);
  for (let row = 0; row < n; row++) {
    for (let b = 0; b < blocks; b++) {
      const start = row * k + b * blockSize;
      const len = Math.min(blockSize, k - b * blockSize);
      let extreme = 0;
      for (let i = 0; i < len; i++) if (Math.abs(w[start + i]) > Math.abs(extreme)) extreme = w[start + i];
      const scale = extreme === 0 ? 0 : Math.fround(extreme / -zero);
      const inv = scale === 0 ? 0 : 1 / scale;
      codes.fill(zero);
      for (let i = 0; i < len; i++) codes[i] = Math.min(maxCode, Math.max(0, Math.round(w[start + i] * inv) + zero));
      scales[row * blocks + b] = scale;
      const out = (row * blocks + b) * blobBytes;
      if (bits === 8) packed.set(codes, out);
      else for (let i = 0; i < blobBytes; i++) packed[out + i] = codes[2 * i] | (codes[2 * i + 1] << 4);
    }
  }
  return { n, k, bits, blockSize, packed, scales };
}

/**
 * Int8 weights with one symmetric scale per output column, for DynamicQuantizeMatMul (the fused
 * int8 graphs, model/precision.ts): `w` is HF `[out, in]`; returns B `[in, out]`
 * and `[out]` scales.
 */
export function quantizeColumnsInt8(w: Float32Array, out: number, inp: number): { values: Int8Array; scales: Float32Array } {
  const scales = new Float32Array(out);
  const values = new Int8Array(inp * out);
  for (let o = 0; o < out; o++) {
    let max = 0;
    for (let i = 0; i < inp; i++) max = Math.max(max, Math.abs(w[o * inp + i]));
    const scale = max / 127;
    scales[o] = scale;
    for (let i = 0; i < inp; i++) values[i * out + o] = scale === 0 ? 0 : Math.round(w[o * inp + i] / scale);
  }
  return { values, scales };
}

/** The float `[N, K]` matrix a quantized one stands for (for tests and error measurement). */
export function dequantizeBlockwise(q: QuantizedMatrix): Float32Array {
  const blocks = Math.ceil(q.k / q.blockSize);
  const blobBytes = (q.blockSize * q.bits) / 8;
  const zero = 1 << (q.bits - 1);
  const out = new Float32Array(q.n * q.k);
  for (let row = 0; row < q.n; row++) {
    for (let col = 0; col < q.k; col++) {
      const b = Math.floor(col / q.blockSize);
      const i = col % q.blockSize;
      const base = (row * blocks + b) * blobBytes;
      const code = q.bits === 8 ? q.packed[base + i] : (q.packed[base + (i >> 1)] >> ((i & 1) * 4)) & 0xf;
      out[row * q.k + col] = (code - zero) * q.scales[row * blocks + b];
    }
  }
  return out;
}
