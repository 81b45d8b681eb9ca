/**
 * @file The 4-bit blocks a fused q4 graph holds (precision.ts `quantizedTensors` under
 * `fusedPrecisionFor('q4')`), read layer by layer for the native decode step
 * (runtime/nativeDecoder.ts): the checkpoint's own blocks where it has them (a GGUF import,
 * through `withRecoveredBlocks`), else the floats quantized exactly as the graph builder
 * quantizes them. Same blocks, so native and ONNX Runtime steps differ only in rounding.
 */
import { quantizeBlockwise, type QuantizedMatrix } from '../graph/quantize';
import type { ModelConfig } from './config';
import { packedLlamaWeights } from './llamaFused';
import { QUANT_BLOCK_SIZE } from './precision';
import type { WeightSource } from './weights';

/** One decoder layer: norms and the fused graph's packed projections. */
export interface Q4Layer {
  readonly inputNorm: Float32Array;
  readonly postNorm: Float32Array;
  /** q, k and v rows stacked. */
  readonly qkv: QuantizedMatrix;
  readonly o: QuantizedMatrix;
  /** gate rows, then up rows. */
  readonly gateUp: QuantizedMatrix;
  readonly down: QuantizedMatrix;
}

/** The LM head and the embedding table the graph's lookup reads, when that is not the head's blocks. */
export interface Q4Head {
  readonly finalNorm: Float32Array;
  readonly head: QuantizedMatrix;
  /** 8-bit blocks of the embedding table (a GGUF's Q8_0 token_embd); undefined: the head's 4-bit rows. */
  readonly table8?: QuantizedMatrix;
}

/** Why the native step cannot run this checkpoint, or undefined when it can. */
export function q4DecodeProblem(config: ModelConfig): string | undefined {
  if (!config.tieWordEmbeddings) return 'untied embeddings';
  const sizes = [config.hiddenSize, config.intermediateSize, config.numAttentionHeads * config.headDim];
  if (sizes.some((s) => s % QUANT_BLOCK_SIZE !== 0)) return `hidden, intermediate and attention sizes must be multiples of ${QUANT_BLOCK_SIZE}`;
  if (config.headDim % 16 !== 0) return 'head_dim must be a multiple of 16';
  return undefined;
}

/** Reads the graph's blocks of one HF-named (packed) weight. */
function blocksOf(weights: WeightSource, name: string, bits: 4 | 8 = 4): QuantizedMatrix {
  const own = weights.quantized?.(name, bits, QUANT_BLOCK_SIZE);
  if (own) return own.load();
  const [n, k] = weights.shape(name);
  return quantizeBlockwise(weights.read(name), n, k, bits, QUANT_BLOCK_SIZE);
}

/** Layer `i`'s weights as the fused q4 graph holds them. */
export function q4Layer(config: ModelConfig, weights: WeightSource, i: number): Q4Layer {
  const w = packedLlamaWeights(config, weights);
  const p = `model.layers.${i}`;
  return {
    inputNorm: weights.read(`${p}.input_layernorm.weight`),
    postNorm: weights.read(`${p}.post_attention_layernorm.weight`),
    qkv: blocksOf(w, `${p}.self_attn.qkv_proj.weight`),
    o: blocksOf(w, `${p}.self_attn.o_proj.weight`),
    gateUp: blocksOf(w, `${p}.mlp.gate_up_proj.weight`),
    down: blocksOf(w, `${p}.mlp.down_proj.weight`),
  };
}

/**
 * The head as the fused q4 graph holds it. The embedding lookup (precision.ts `embedding`) reads
 * the head's 4-bit blocks, or, when the checkpoint holds 8-bit blocks of the table and no 4-bit
 * ones, those. Tied embeddings only (`q4DecodeProblem`).
 */
export function q4Head(config: ModelConfig, weights: WeightSource): Q4Head {
  const w = packedLlamaWeights(config, weights);
  const head = blocksOf(w, 'lm_head.weight');
  const own8 = w.quantized?.('lm_head.weight', 4, QUANT_BLOCK_SIZE) ? undefined : w.quantized?.('lm_head.weight', 8, QUANT_BLOCK_SIZE);
  return { finalNorm: weights.read('model.norm.weight'), head, table8: own8?.load() };
}
