/**
 * @file What the three SmolLM2/Llama graphs share (the inference graph llama.ts, the fused graph
 * llamaFused.ts, the training graph trainingGraph.ts): the checkpoint's tensor layout, the
 * rotary embedding's frequencies and tables, and the mask constants, each computed in float32
 * steps as Hugging Face's LlamaForCausalLM computes them, so the three graphs agree with it and
 * with each other.
 */
import type { ModelConfig } from './config';
import type { WeightSource } from './weights';
import { configMismatch } from './configBounds';

/** float32's most negative finite value, HF's additive mask value (torch.finfo(float32).min). */
export const FLOAT32_MIN = -3.4028234663852886e38;

/** The HF tensor names of a Llama checkpoint, with their expected shapes. */
export function llamaWeightShapes(c: ModelConfig): Map<string, number[]> {
  const q = c.numAttentionHeads * c.headDim;
  const kv = c.numKeyValueHeads * c.headDim;
  const shapes = new Map<string, number[]>([['model.embed_tokens.weight', [c.vocabSize, c.hiddenSize]]]);
  for (let i = 0; i < c.numHiddenLayers; i++) {
    const p = `model.layers.${i}`;
    shapes.set(`${p}.input_layernorm.weight`, [c.hiddenSize]);
    shapes.set(`${p}.self_attn.q_proj.weight`, [q, c.hiddenSize]);
    shapes.set(`${p}.self_attn.k_proj.weight`, [kv, c.hiddenSize]);
    shapes.set(`${p}.self_attn.v_proj.weight`, [kv, c.hiddenSize]);
    shapes.set(`${p}.self_attn.o_proj.weight`, [c.hiddenSize, q]);
    shapes.set(`${p}.post_attention_layernorm.weight`, [c.hiddenSize]);
    shapes.set(`${p}.mlp.gate_proj.weight`, [c.intermediateSize, c.hiddenSize]);
    shapes.set(`${p}.mlp.up_proj.weight`, [c.intermediateSize, c.hiddenSize]);
    shapes.set(`${p}.mlp.down_proj.weight`, [c.hiddenSize, c.intermediateSize]);
  }
  shapes.set('model.norm.weight', [c.hiddenSize]);
  if (!c.tieWordEmbeddings) shapes.set('lm_head.weight', [c.vocabSize, c.hiddenSize]);
  return shapes;
}

/** Throws naming the source and tensor when `weights` lacks a tensor or has the wrong shape. */
export function checkLlamaWeights(c: ModelConfig, weights: WeightSource): void {
  // Before sizing anything from the config: a huge num_hidden_layers would build a huge map here.
  const mismatch = configMismatch(c, weights);
  if (mismatch) throw new Error(`${weights.label}: the config does not match these weights: ${mismatch}`);
  for (const [name, shape] of llamaWeightShapes(c)) {
    if (!weights.has(name)) throw new Error(`${weights.label}: missing tensor "${name}" (expected shape [${shape}])`);
    const actual = weights.shape(name);
    if (actual.length !== shape.length || actual.some((d, i) => d !== shape[i])) {
      throw new Error(`${weights.label}: tensor "${name}" has shape [${actual}], config.json implies [${shape}]`);
    }
  }
}

/** HF's rotary inverse frequencies, computed in float32 steps as torch does: 1 / theta^(2i/d). */
export function ropeInvFreq(headDim: number, theta: number): Float32Array {
  const out = new Float32Array(headDim / 2);
  for (let i = 0; i < out.length; i++) {
    const exponent = Math.fround((2 * i) / headDim);
    out[i] = Math.fround(1 / Math.fround(theta ** exponent));
  }
  return out;
}

/**
 * cos and sin of `position · inv_freq` for positions 0..`positions`-1, row by row: `half` gives
 * the headDim/2 distinct angles of a row (GroupQueryAttention's and RotaryEmbedding's caches),
 * `full` repeats them over both halves (rotate_half's layout). The angle is rounded to float32
 * as torch computes it, and so is each value.
 */
export function rotaryTable(c: ModelConfig, positions: number, width: 'half' | 'full'): { cos: Float32Array; sin: Float32Array } {
  const half = c.headDim / 2;
  const row = width === 'half' ? half : c.headDim;
  const invFreq = ropeInvFreq(c.headDim, c.ropeTheta);
  const cos = new Float32Array(positions * row);
  const sin = new Float32Array(positions * row);
  for (let p = 0; p < positions; p++) {
    for (let j = 0; j < row; j++) {
      const angle = Math.fround(p * invFreq[j % half]);
      cos[p * row + j] = Math.cos(angle);
      sin[p * row + j] = Math.sin(angle);
    }
  }
  return { cos, sin };
}

/** The causal pattern of `size` positions: 1 where key j ≤ query i, row-major `[size, size]`. */
export function causalTable(size: number): Uint8Array {
  const visible = new Uint8Array(size * size);
  for (let i = 0; i < size; i++) for (let j = 0; j <= i; j++) visible[i * size + j] = 1;
  return visible;
}
