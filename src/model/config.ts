/**
 * @file The model configuration read from a Hugging Face `config.json`, for the Llama family
 * (SmolLM2 is `LlamaForCausalLM`). Anything the graph does not implement (rope scaling,
 * biases, other activations or architectures) is rejected here with an error naming the file,
 * the field and the supported values, rather than producing a silently wrong model.
 */
import { MODEL_TYPES, type ModelType } from './configTypes';
import { FileError, readJsonFile } from '../graph/fileError';

/** A validated Llama-family model configuration, in camelCase. */
export interface ModelConfig {
  readonly modelType: ModelType;
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly intermediateSize: number;
  readonly numHiddenLayers: number;
  readonly numAttentionHeads: number;
  readonly numKeyValueHeads: number;
  readonly headDim: number;
  readonly ropeTheta: number;
  readonly rmsNormEps: number;
  readonly tieWordEmbeddings: boolean;
  readonly maxPositionEmbeddings: number;
  readonly initializerRange: number;
}

/** A config that the model code cannot honour; the message names the file and the field. */
export class ModelConfigError extends FileError {
  override readonly name = 'ModelConfigError';
}

/** Validates a parsed `config.json` object; `file` is only used in error messages. */
export function parseModelConfig(raw: unknown, file = 'config.json'): ModelConfig {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new ModelConfigError(file, 'is not a JSON object');
  const json = raw as Record<string, unknown>;
  const fail = (problem: string): never => {
    throw new ModelConfigError(file, problem);
  };
  if (!(MODEL_TYPES as readonly unknown[]).includes(json.model_type)) {
    fail(`unsupported model_type ${JSON.stringify(json.model_type)}; supported: ${MODEL_TYPES.join(', ')}`);
  }
  if (json.rope_scaling !== undefined && json.rope_scaling !== null) {
    fail(`unsupported rope_scaling ${JSON.stringify(json.rope_scaling)}; only null (plain RoPE) is supported`);
  }
  for (const key of ['attention_bias', 'mlp_bias', 'rope_interleaved']) {
    if (json[key] !== undefined && json[key] !== false) fail(`unsupported ${key}=${JSON.stringify(json[key])}; only false is supported`);
  }
  if (json.hidden_act !== undefined && json.hidden_act !== 'silu') {
    fail(`unsupported hidden_act ${JSON.stringify(json.hidden_act)}; only "silu" is supported`);
  }
  if (json.pretraining_tp !== undefined && json.pretraining_tp !== 1) {
    fail(`unsupported pretraining_tp ${JSON.stringify(json.pretraining_tp)}; only 1 is supported`);
  }
  const int = (key: string, fallback?: number): number => {
    const v = json[key] ?? fallback;
    if (!Number.isInteger(v) || (v as number) <= 0) fail(`${key} must be a positive integer, got ${JSON.stringify(json[key])}`);
    return v as number;
  };
  const num = (key: string, fallback?: number): number => {
    const v = json[key] ?? fallback;
    if (typeof v !== 'number' || !(v > 0)) fail(`${key} must be a positive number, got ${JSON.stringify(json[key])}`);
    return v as number;
  };
  const hiddenSize = int('hidden_size');
  const numAttentionHeads = int('num_attention_heads');
  const numKeyValueHeads = int('num_key_value_heads', numAttentionHeads);
  // HF Llama defaults head_dim to hidden_size / num_attention_heads when the key is absent.
  const headDim = int('head_dim', hiddenSize / numAttentionHeads);
  if (numAttentionHeads % numKeyValueHeads !== 0) {
    fail(`num_attention_heads (${numAttentionHeads}) must be a multiple of num_key_value_heads (${numKeyValueHeads})`);
  }
  if (headDim % 2 !== 0) fail(`head_dim (${headDim}) must be even for rotary embeddings`);
  const tie = json.tie_word_embeddings ?? false;
  if (typeof tie !== 'boolean') fail(`tie_word_embeddings must be a boolean, got ${JSON.stringify(tie)}`);
  return {
    modelType: json.model_type as ModelType,
    vocabSize: int('vocab_size'),
    hiddenSize,
    intermediateSize: int('intermediate_size'),
    numHiddenLayers: int('num_hidden_layers'),
    numAttentionHeads,
    numKeyValueHeads,
    headDim,
    ropeTheta: num('rope_theta', 10000),
    rmsNormEps: num('rms_norm_eps', 1e-6),
    tieWordEmbeddings: tie as boolean,
    maxPositionEmbeddings: int('max_position_embeddings', 2048),
    initializerRange: num('initializer_range', 0.02),
  };
}

/** Reads and validates a `config.json` file. */
export function readModelConfig(path: string): ModelConfig {
  return parseModelConfig(readJsonFile(path, ModelConfigError), path);
}

/** The inverse of `parseModelConfig`: a `config.json` object in the layout of the released SmolLM2 files. */
export function toConfigJson(config: ModelConfig, torchDtype: string): Record<string, unknown> {
  return {
    architectures: ['LlamaForCausalLM'],
    attention_bias: false,
    attention_dropout: 0.0,
    bos_token_id: 0,
    eos_token_id: 0,
    head_dim: config.headDim,
    hidden_act: 'silu',
    hidden_size: config.hiddenSize,
    initializer_range: config.initializerRange,
    intermediate_size: config.intermediateSize,
    max_position_embeddings: config.maxPositionEmbeddings,
    mlp_bias: false,
    model_type: config.modelType,
    num_attention_heads: config.numAttentionHeads,
    num_hidden_layers: config.numHiddenLayers,
    num_key_value_heads: config.numKeyValueHeads,
    pretraining_tp: 1,
    rms_norm_eps: config.rmsNormEps,
    rope_scaling: null,
    rope_theta: config.ropeTheta,
    tie_word_embeddings: config.tieWordEmbeddings,
    torch_dtype: torchDtype,
    use_cache: true,
    vocab_size: config.vocabSize,
  };
}
