/**
 * @file How each precision variant stores weights and computes a linear layer. The
 * architecture code asks for "x·Wᵀ with HF weight W" and "this float tensor" and the variant
 * decides: fp32 and fp16 store W transposed for a plain MatMul, q4 and int8 store W block-wise
 * quantized for `com.microsoft.MatMulNBits` (the layout the hub's q4 exports use; int8 uses the
 * same op with 8 bits) and keep embeddings, norms, KV cache and logits in float32.
 */
import type { OnnxVariant } from './configTypes';
import { DataType, type GraphBuilder } from '../graph/graphBuilder';
import { toHalfArray } from '../graph/half';
import type { Ops } from '../graph/ops';
import { quantizeBlockwise, type QuantBits, type QuantizedMatrix } from '../graph/quantize';
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
}

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
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
      return op.matMul(x, w);
    },
    floatTensor(g, weights, name) {
      return g.initializer(name, floatType, weights.shape(name), () => encode(weights.read(name)));
    },
  };
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
      const [n, k] = weights.shape(name);
      const blocks = Math.ceil(k / QUANT_BLOCK_SIZE);
      // A checkpoint that already holds these blocks (a GGUF's Q4_0/Q4_1) is used as stored, not quantized twice.
      const own = weights.quantized?.(name, bits, QUANT_BLOCK_SIZE);
      const withOffsets = own?.hasOffsets === true && k % QUANT_BLOCK_SIZE === 0;
      // All initializers come from one quantization. Writers ask for them in the order they are
      // added, so the cache is dropped after the last one to hold one matrix at a time.
      let cached: QuantizedMatrix | undefined;
      const quantized = () => (cached ??= own ? own.load() : quantizeBlockwise(weights.read(name), n, k, bits, QUANT_BLOCK_SIZE));
      const lastly = <T>(value: T) => {
        cached = undefined;
        return value;
      };
      const b = op.g.initializer(`${name}_Q${bits}`, DataType.uint8, [n, blocks, (QUANT_BLOCK_SIZE * bits) / 8], () => quantized().packed);
      const scales = op.g.initializer(`${name}_scales`, DataType.float, [n * blocks], () => {
        const s = bytesOf(quantized().scales);
        return withOffsets ? s : lastly(s);
      });
      const attributes = { K: k, N: n, bits, block_size: QUANT_BLOCK_SIZE, accuracy_level: accuracyLevel };
      const y = op.g.node('MatMulNBits', [x, b, scales], attributes, { domain: 'com.microsoft' })[0];
      if (!withOffsets) return y;
      // Σ_k x_k · offset_block(k) = (x summed per block) · offsetsᵀ: x is [batch, sequence, K].
      const blockSums = op.g.node('ReduceSum', [op.reshape(x, [0, 0, blocks, QUANT_BLOCK_SIZE]), op.int64([-1])], { keepdims: 0 })[0];
      const table = op.g.initializer(`${name}_block_offsets`, DataType.float, [blocks, n], () => lastly(bytesOf(transpose2d(quantized().offsets!, n, blocks))));
      return op.add(y, op.matMul(blockSums, table));
    },
    floatTensor(g, weights, name) {
      return g.initializer(name, DataType.float, weights.shape(name), () => bytesOf(weights.read(name)));
    },
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
