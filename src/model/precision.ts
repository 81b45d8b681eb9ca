/**
 * @file How each precision variant stores weights and computes a linear layer. The
 * architecture code asks for "x·Wᵀ with HF weight W" and "this float tensor" and the variant
 * decides: fp32 and fp16 store W transposed for a plain MatMul, q4 and int8 store W block-wise
 * quantized for `com.microsoft.MatMulNBits` (the layout the hub's q4 exports use; int8 uses the
 * same op with 8 bits, and the fused int8 graph DynamicQuantizeMatMul, `columnInt8Precision`)
 * and keep embeddings, norms, KV cache and logits in float32.
 */
import type { OnnxVariant } from './configTypes';
import { DataType, type GraphBuilder } from '../graph/graphBuilder';
import { toHalfArray } from '../graph/half';
import type { Ops } from '../graph/ops';
import { quantizeBlockwise, quantizeColumnsInt8, type QuantBits, type QuantizedMatrix } from '../graph/quantize';
import { transpose2d, type WeightSource } from './weights';

/** Block size of MatMulNBits, as in the hub's q4 exports. */
export const QUANT_BLOCK_SIZE = 32;

/** A precision variant of the inference graph. */
export interface Precision {
  readonly variant: OnnxVariant;
  /** Element type of activations, KV cache and logits. */
  readonly floatType: DataType;
  /** Adds HF Linear weight `name` (`[out, in]`) as an initializer and returns `x·Wᵀ`. */
  linear(op: Ops, x: string, weights: WeightSource, name: string): string;
  /** Adds float tensor `name` (embeddings, norm weights) in `floatType` and returns its value name. */
  floatTensor(g: GraphBuilder, weights: WeightSource, name: string): string;
  /**
   * Rows `ids` of embedding table `name` as floats, read from the initializers `linear` adds for
   * `name` where it can, so a tied lm_head and the lookup share one copy. `ownBlocksOnly`: use
   * only blocks the checkpoint holds (exact to it), never quantize the table here. Undefined
   * when there are no blocks to use: the caller gathers from `floatTensor`, as it does for
   * precisions without this method.
   */
  embedding?(op: Ops, weights: WeightSource, name: string, ids: string, ownBlocksOnly: boolean): string | undefined;
}

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** `y` (= x·Wᵀ) plus the weight's low-rank update, when its source has one, computed in `floatType`. */
function withLowRank(op: Ops, x: string, y: string, weights: WeightSource, name: string, floatType: DataType, encode: (values: Float32Array) => Uint8Array): string {
  const update = weights.lowRank?.(name);
  if (!update) return y;
  const [out, inp] = weights.shape(name);
  const { rank } = update;
  const a = op.g.initializer(`${name}.lora_A_T`, floatType, [inp, rank], () => encode(transpose2d(update.a, rank, inp)));
  const b = op.g.initializer(`${name}.lora_B_T`, floatType, [rank, out], () => encode(transpose2d(update.b, out, rank)));
  return op.add(y, op.matMul(op.matMul(x, a), b));
}

function floatPrecision(variant: 'fp32' | 'fp16'): Precision {
  const floatType = variant === 'fp16' ? DataType.float16 : DataType.float;
  const encode = (values: Float32Array) => bytesOf(variant === 'fp16' ? toHalfArray(values) : values);
  return {
    variant,
    floatType,
    linear(op, x, weights, name) {
      const [out, inp] = weights.shape(name);
      // ONNX MatMul wants [in, out]; transposing once here keeps the graph free of Transpose nodes.
      const w = op.g.initializer(name, floatType, [inp, out], () => encode(transpose2d(weights.read(name), out, inp)));
      return withLowRank(op, x, op.matMul(x, w), weights, name, floatType, encode);
    },
    floatTensor(g, weights, name) {
      return g.initializer(name, floatType, weights.shape(name), () => encode(weights.read(name)));
    },
  };
}

/** The initializers of one quantized weight, shared by every node that reads it (see `quantizedTensors`). */
interface QuantizedTensors {
  readonly n: number;
  readonly k: number;
  readonly blocks: number;
  /** MatMulNBits' B, `[N, blocks, blockSize · bits / 8]`. */
  readonly data: string;
  /** `[N · blocks]` scales. */
  readonly scales: string;
  /** The checkpoint's own blocks carry offsets (llama.cpp's Q4_1). */
  readonly withOffsets: boolean;
  /** Adds (once) and returns an initializer computed from the quantized matrix. */
  derived(suffix: string, dataType: DataType, dims: readonly number[], bytes: (m: QuantizedMatrix) => Uint8Array): string;
}

/**
 * The quantized initializers of weight `name` in graph `g`, added on first use: the lm_head's
 * MatMulNBits and the embedding lookup of a tied model read the same ones, so the model holds its
 * embedding table once, in 4 bits, instead of a float32 copy beside the 4-bit head.
 */
const quantizedByGraph = new WeakMap<GraphBuilder, Map<string, QuantizedTensors>>();

function quantizedTensors(g: GraphBuilder, weights: WeightSource, name: string, bits: QuantBits): QuantizedTensors {
  const known = quantizedByGraph.get(g) ?? quantizedByGraph.set(g, new Map()).get(g)!;
  const key = `${name}\0${bits}`;
  const existing = known.get(key);
  if (existing) return existing;
  const [n, k] = weights.shape(name);
  const blocks = Math.ceil(k / QUANT_BLOCK_SIZE);
  // A checkpoint that already holds these blocks (a GGUF's Q4_0/Q4_1) is used as stored, not quantized twice.
  const own = weights.quantized?.(name, bits, QUANT_BLOCK_SIZE);
  // The matrix is made once for all its initializers and dropped after the last one is written;
  // writers ask for each initializer's bytes once, so one matrix is held at a time.
  let cached: QuantizedMatrix | undefined;
  let unwritten = 0;
  const added = new Map<string, string>();
  const derived = (suffix: string, dataType: DataType, dims: readonly number[], bytes: (m: QuantizedMatrix) => Uint8Array): string => {
    const present = added.get(suffix);
    if (present) return present;
    unwritten++;
    const value = g.initializer(`${name}${suffix}`, dataType, dims, () => {
      cached ??= own ? own.load() : quantizeBlockwise(weights.read(name), n, k, bits, QUANT_BLOCK_SIZE);
      const out = bytes(cached);
      if (--unwritten <= 0) cached = undefined;
      return out;
    });
    added.set(suffix, value);
    return value;
  };
  const tensors: QuantizedTensors = {
    n,
    k,
    blocks,
    data: derived(`_Q${bits}`, DataType.uint8, [n, blocks, (QUANT_BLOCK_SIZE * bits) / 8], (m) => m.packed),
    // 4-bit scales keep the name the hub's q4 exports give them; an 8-bit copy of the same weight may sit beside them.
    scales: derived(bits === 4 ? '_scales' : `_Q${bits}_scales`, DataType.float, [n * blocks], (m) => bytesOf(m.scales)),
    withOffsets: own?.hasOffsets === true && k % QUANT_BLOCK_SIZE === 0,
    derived,
  };
  known.set(key, tensors);
  return tensors;
}

/**
 * A MatMulNBits precision with `bits`-bit weights and ORT `accuracy_level` (0: float32 compute
 * on the dequantized weights; 4: int8 activations). `precisionFor` picks the level per variant;
 * tests use this to check 8-bit packing exactly at level 0.
 */
export function quantizedPrecision(variant: 'q4' | 'int8', bits: QuantBits, accuracyLevel: number): Precision {
  return {
    variant,
    floatType: DataType.float,
    linear(op, x, weights, name) {
      const t = quantizedTensors(op.g, weights, name, bits);
      const attributes = { K: t.k, N: t.n, bits, block_size: QUANT_BLOCK_SIZE, accuracy_level: accuracyLevel };
      let y = op.g.node('MatMulNBits', [x, t.data, t.scales], attributes, { domain: 'com.microsoft' })[0];
      if (t.withOffsets) {
        // Σ_k x_k · offset_block(k) = (x summed per block) · offsetsᵀ: x is [batch, sequence, K].
        const blockSums = op.g.node('ReduceSum', [op.reshape(x, [0, 0, t.blocks, QUANT_BLOCK_SIZE]), op.int64([-1])], { keepdims: 0 })[0];
        const table = t.derived('_block_offsets', DataType.float, [t.blocks, t.n], (m) => bytesOf(transpose2d(m.offsets!, t.n, t.blocks)));
        y = op.add(y, op.matMul(blockSums, table));
      }
      return withLowRank(op, x, y, weights, name, DataType.float, bytesOf);
    },
    floatTensor(g, weights, name) {
      return g.initializer(name, DataType.float, weights.shape(name), () => bytesOf(weights.read(name)));
    },
    embedding(op, weights, name, ids, ownBlocksOnly) {
      const [, k] = weights.shape(name);
      // The table's own blocks: this precision's (shared with a tied lm_head), else 8-bit ones (a
      // GGUF's Q8_0 token_embd: exact, a quarter of float32); with neither, blocks quantized here
      // unless only the checkpoint's own may be used, which leaves the float32 table.
      const tableBits: QuantBits | undefined =
        k % QUANT_BLOCK_SIZE !== 0 ? undefined
        : weights.quantized?.(name, bits, QUANT_BLOCK_SIZE) ? bits
        : weights.quantized?.(name, 8, QUANT_BLOCK_SIZE) ? 8
        : ownBlocksOnly ? undefined
        : bits;
      if (tableBits === undefined) return undefined;
      const t = quantizedTensors(op.g, weights, name, tableBits);
      // ORT folds the Reshape of the constant scales once at load (a copy of N · blocks floats).
      const scales = op.reshape(t.scales, [t.n, t.blocks, 1]);
      // GatherBlockQuantized's default zero points (8 for 4 bits, 128 for 8) are MatMulNBits'.
      const attributes = { gather_axis: 0, quantize_axis: 2, block_size: QUANT_BLOCK_SIZE, bits: tableBits };
      let rows = op.g.node('GatherBlockQuantized', [t.data, ids, scales], attributes, { domain: 'com.microsoft' })[0];
      if (t.withOffsets) {
        const offsets = t.derived('_row_offsets', DataType.float, [t.n, t.blocks, 1], (m) => bytesOf(m.offsets!));
        rows = op.add(rows, op.gather(offsets, ids));
      }
      // [batch, sequence, blocks, block] → [batch, sequence, K]
      return op.reshape(rows, [0, 0, t.k]);
    },
  };
}

/**
 * `x·B` for int8 columns `b` (`[in, out]`, one scale per column) with `x` rounded per row to
 * `codeMax` levels each side of zero, that is per token: MatMulInteger on the codes, then both
 * scales. Per-tensor rounding (DynamicQuantizeMatMul's) lets one token's outlier set the step for
 * every token of the chunk. The 8-bit KV cache rounds its query rows the same way, to 7 bits
 * (model/int8KvAttention.ts).
 */
export function rowQuantizedMatMul(op: Ops, x: string, b: string, columnScales: string, codeMax = 127): string {
  // A row of zeros keeps a tiny step instead of dividing by zero.
  const step = op.div(op.max(op.reduceMax(op.abs(x), [-1]), op.scalar(1e-30)), op.scalar(codeMax));
  // Codes -codeMax..codeMax stored as 0..2·codeMax with zero point codeMax: MLAS's fast int8
  // GEMM multiplies unsigned activations by signed weights.
  const codes = op.cast(op.add(op.round(op.div(x, step)), op.scalar(codeMax)), DataType.uint8);
  const zeroPoint = op.g.constant(DataType.uint8, [], Uint8Array.of(codeMax));
  const y = op.g.node('MatMulInteger', [codes, b, zeroPoint])[0];
  return op.mul(op.mul(op.cast(y, DataType.float), step), columnScales);
}

/**
 * int8 weights with one symmetric scale per output column, multiplied by
 * `com.microsoft.DynamicQuantizeMatMul`, which quantizes the activations per call: MLAS runs it
 * as a u8·s8 GEMM on AMX or VNNI where the processor has them, 3.6x MatMulNBits' 4-bit rate for a
 * 512-row prompt chunk and 10x for 64 rows on SmolLM2-135M's projections
 * (scripts/bench/matmulKernels.ts). The table of a tied model is looked up in 8-bit blocks.
 *
 * DynamicQuantizeMatMul rounds the activations to 8 bits per tensor, and some tokens' inputs to
 * `down_proj` (the MLP's gated activations) carry outliers: with every projection on it, the real
 * SmolLM2-135M-Instruct scored 3.68 bits per token against fp32's 2.93. `down_proj` therefore
 * rounds its input per token (`rowQuantizedMatMul`): 3.03 bits per token (q4: 3.02), and a
 * 256-token chunk 8-10% faster than with down_proj on DynamicQuantizeMatMul or on MatMulNBits'
 * 8-bit blocks. README, "What int8 prompts cost in quality".
 */
export function columnInt8Precision(): Precision {
  const blocks = quantizedPrecision('int8', 8, 4);
  return {
    variant: 'int8',
    floatType: DataType.float,
    linear(op, x, weights, name) {
      const [out, inp] = weights.shape(name);
      // Quantized once when the writer reaches the first of the two, dropped after the second.
      let cached: ReturnType<typeof quantizeColumnsInt8> | undefined;
      let unwritten = 2;
      const part = <K extends 'values' | 'scales'>(key: K) => () => {
        cached ??= quantizeColumnsInt8(weights.read(name), out, inp);
        const bytes = bytesOf(cached[key]);
        if (--unwritten === 0) cached = undefined;
        return bytes;
      };
      const b = op.g.initializer(`${name}_s8`, DataType.int8, [inp, out], part('values'));
      const scales = op.g.initializer(`${name}_s8_scales`, DataType.float, [out], part('scales'));
      let y: string;
      if (name.endsWith('mlp.down_proj.weight')) {
        y = rowQuantizedMatMul(op, x, b, scales);
      } else {
        const zero = op.g.initializer(`${name}_s8_zero`, DataType.int8, [out], () => new Uint8Array(out));
        y = op.g.node('DynamicQuantizeMatMul', [x, b, scales, zero], {}, { domain: 'com.microsoft' })[0];
      }
      return withLowRank(op, x, y, weights, name, DataType.float, bytesOf);
    },
    floatTensor: blocks.floatTensor,
    embedding: blocks.embedding,
  };
}

/** The precision object of `variant`. */
export function precisionFor(variant: OnnxVariant): Precision {
  switch (variant) {
    case 'fp32':
    case 'fp16':
      return floatPrecision(variant);
    // accuracy_level 0 computes in float32 on the dequantized weights (exact to them); 4 also
    // quantizes activations to int8 per block. On this CPU ORT 1.30's 8-bit kernel is about 10x
    // slower at level 0 than at level 4, while 4-bit is as fast at level 0, so q4 stays exact and
    // int8, like the hub's dynamically quantized int8 export, uses int8 activations.
    case 'q4':
      return quantizedPrecision(variant, 4, 0);
    case 'int8':
      return quantizedPrecision(variant, 8, 4);
  }
}
