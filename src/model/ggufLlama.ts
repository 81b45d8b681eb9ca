/**
 * @file What a llama.cpp GGUF of a Llama model means in Hugging Face's terms: the config from the
 * `llama.*` keys, llama.cpp's tensor names mapped back to transformers' names, and the row
 * permutation llama.cpp's converter applies to the query and key projections undone. That
 * converter groups each head's rotary pairs as interleaved rows (its rope kernel rotates
 * adjacent values); HF's rotate_half pairs row i with row i + head_dim/2. Reversing it is
 * transformers' `reverse_permute_weights`: within each head, GGUF row 2i + j is HF row
 * j·head_dim/2 + i. Exporting applies the same mapping forwards (`ggufTensorName`,
 * `permuteRotaryRows`).
 */
import type { GgufFile, GgufValue } from '../graph/gguf/ggufFile';
import { GgufError } from '../graph/gguf/ggufFile';
import type { ModelConfig } from './config';

/** HF's initializer_range, which a GGUF does not record (only used to generate random weights). */
const INITIALIZER_RANGE = 0.02;

function numberAt(file: GgufFile, key: string, fallback?: number): number {
  const value: GgufValue | undefined = file.get(key);
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint' && value <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(value);
  throw new GgufError(file.path, value === undefined ? `metadata has no ${key}` : `metadata ${key} is not a number`);
}

/** The file's architecture; a GGUF of anything but Llama is refused by name. */
export function checkLlamaArchitecture(file: GgufFile): void {
  const arch = file.get('general.architecture');
  if (arch !== 'llama') {
    const name = typeof file.get('general.name') === 'string' ? ` (${String(file.get('general.name'))})` : '';
    throw new GgufError(file.path, `the model is ${typeof arch === 'string' ? `a "${arch}"` : 'of no named'} architecture${name}; SmolCode imports Llama models (SmolLM2) only`);
  }
}

/**
 * The shortest decimal that is the same float32 as `value`: GGUF stores float metadata as
 * float32, so 1e-5 comes back as 9.999999747378752e-6, and config.json should say 1e-5.
 */
export function shortestFloat32(value: number): number {
  for (let digits = 1; digits < 10; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === Math.fround(value)) return candidate;
  }
  return value;
}

/** The Hugging Face config of a Llama GGUF, from its `llama.*` metadata. */
export function llamaConfigFromGguf(file: GgufFile): ModelConfig {
  checkLlamaArchitecture(file);
  const hiddenSize = numberAt(file, 'llama.embedding_length');
  const numAttentionHeads = numberAt(file, 'llama.attention.head_count');
  const tokens = file.get('tokenizer.ggml.tokens');
  const vocabFromTokens = Array.isArray(tokens) ? tokens.length : undefined;
  const embedding = file.tensor('token_embd.weight');
  return {
    modelType: 'llama',
    vocabSize: numberAt(file, 'llama.vocab_size', vocabFromTokens ?? embedding?.dims[1]),
    hiddenSize,
    intermediateSize: numberAt(file, 'llama.feed_forward_length'),
    numHiddenLayers: numberAt(file, 'llama.block_count'),
    numAttentionHeads,
    numKeyValueHeads: numberAt(file, 'llama.attention.head_count_kv', numAttentionHeads),
    headDim: numberAt(file, 'llama.rope.dimension_count', hiddenSize / numAttentionHeads),
    ropeTheta: shortestFloat32(numberAt(file, 'llama.rope.freq_base', 10000)),
    rmsNormEps: shortestFloat32(numberAt(file, 'llama.attention.layer_norm_rms_epsilon', 1e-5)),
    tieWordEmbeddings: file.tensor('output.weight') === undefined,
    maxPositionEmbeddings: numberAt(file, 'llama.context_length'),
    initializerRange: INITIALIZER_RANGE,
  };
}

const LAYER_TENSORS: Readonly<Record<string, string>> = {
  attn_norm: 'input_layernorm',
  attn_q: 'self_attn.q_proj',
  attn_k: 'self_attn.k_proj',
  attn_v: 'self_attn.v_proj',
  attn_output: 'self_attn.o_proj',
  ffn_norm: 'post_attention_layernorm',
  ffn_gate: 'mlp.gate_proj',
  ffn_up: 'mlp.up_proj',
  ffn_down: 'mlp.down_proj',
};

const GLOBAL_TENSORS: Readonly<Record<string, string>> = {
  'token_embd.weight': 'model.embed_tokens.weight',
  'output_norm.weight': 'model.norm.weight',
  'output.weight': 'lm_head.weight',
};

/** Tensors llama.cpp may add that transformers recomputes (rotary frequencies); skipped. */
const DERIVED_TENSORS = new Set(['rope_freqs.weight']);

/** The transformers name of llama.cpp tensor `name`; undefined for a derived tensor to skip; throws for an unknown one. */
export function hfTensorName(name: string, path: string): string | undefined {
  if (DERIVED_TENSORS.has(name)) return undefined;
  const global = GLOBAL_TENSORS[name];
  if (global) return global;
  const match = /^blk\.(\d+)\.([a-z_]+)\.weight$/.exec(name);
  const module = match ? LAYER_TENSORS[match[2]] : undefined;
  if (!match || !module) throw new GgufError(path, `tensor "${name}" is not part of a Llama model SmolCode knows`);
  return `model.layers.${match[1]}.${module}.weight`;
}

/** The llama.cpp name of transformers weight `name`, or undefined for a tensor a Llama GGUF does not hold. */
export function ggufTensorName(name: string): string | undefined {
  const global = Object.entries(GLOBAL_TENSORS).find(([, hf]) => hf === name);
  if (global) return global[0];
  const match = /^model\.layers\.(\d+)\.(.+)\.weight$/.exec(name);
  const module = match && Object.entries(LAYER_TENSORS).find(([, hf]) => hf === match[2]);
  return module ? `blk.${match[1]}.${module[0]}.weight` : undefined;
}

/** The heads whose rotary rows llama.cpp permuted in weight `name` (HF name): query and key projections; 0 for any other. */
export function rotaryHeads(name: string, config: ModelConfig): number {
  if (name.endsWith('self_attn.q_proj.weight')) return config.numAttentionHeads;
  if (name.endsWith('self_attn.k_proj.weight')) return config.numKeyValueHeads;
  return 0;
}

/**
 * Undoes llama.cpp's permutation of a query (`heads` = attention heads) or key (`heads` = KV
 * heads) projection `[rows, cols]`, row-major; see the file header.
 */
export function unpermuteRotaryRows<T extends Float32Array | Uint8Array>(weights: T, rows: number, cols: number, heads: number): T {
  const headDim = rows / heads;
  if (!Number.isInteger(headDim) || headDim % 2 !== 0) throw new Error(`cannot split ${rows} rows into ${heads} heads of an even size`);
  const half = headDim / 2;
  // Any row-major table works the same: weights, or a quantized matrix's packed bytes, scales and offsets per row.
  const out = new (weights.constructor as new (length: number) => T)(weights.length);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < half; i++) {
      for (let j = 0; j < 2; j++) {
        const from = (h * headDim + 2 * i + j) * cols;
        const to = (h * headDim + j * half + i) * cols;
        out.set(weights.subarray(from, from + cols), to);
      }
    }
  }
  return out;
}

/**
 * Applies llama.cpp's permutation to a query or key projection `[rows, cols]`, row-major (its
 * converter's `LlamaModel.permute`): within each head, HF row j·head_dim/2 + i becomes row 2i + j.
 * The inverse of `unpermuteRotaryRows`.
 */
export function permuteRotaryRows(weights: Float32Array, rows: number, cols: number, heads: number): Float32Array {
  const headDim = rows / heads;
  if (!Number.isInteger(headDim) || headDim % 2 !== 0) throw new Error(`cannot split ${rows} rows into ${heads} heads of an even size`);
  const half = headDim / 2;
  const out = new Float32Array(weights.length);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < half; i++) {
      for (let j = 0; j < 2; j++) {
        const from = (h * headDim + j * half + i) * cols;
        out.set(weights.subarray(from, from + cols), (h * headDim + 2 * i + j) * cols);
      }
    }
  }
  return out;
}
