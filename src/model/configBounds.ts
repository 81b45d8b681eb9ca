/**
 * @file config.json checked against the weights it describes. Every size the graph builders and
 * adapters loop over comes from the config, so an absurd value (num_hidden_layers: 1e9) used to
 * run for a minute building per-layer tables and then abort the process out of heap memory.
 * The checkpoint is the ground truth: its header says how many layers and which sizes exist, so
 * each field is compared with it before anything is sized from the config, and a mismatch is
 * one line naming the field. Only the safetensors header is read, never the tensors.
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ModelConfigError, readModelConfig, type ModelConfig } from './config';
import { safetensorsSource, type WeightSource } from './weights';
import { SafetensorsFile } from '../graph/safetensors';

/** The weights file of a model folder in Hugging Face layout. */
export const WEIGHTS_FILE = 'model.safetensors';

/** How many consecutive layers `weights` holds from layer 0 (probed by name, so a huge config costs nothing). */
export function heldLayers(weights: Pick<WeightSource, 'has'>): number {
  const present = (i: number) => weights.has(`model.layers.${i}.input_layernorm.weight`) || weights.has(`model.layers.${i}.self_attn.q_proj.weight`);
  let layers = 0;
  while (present(layers)) layers++;
  return layers;
}

/**
 * The first config field that `weights` contradicts, as one line naming the field, or
 * undefined. Tensors that are absent are left to the graph builders' shape check
 * (`checkLlamaWeights`), which names them.
 */
export function configMismatch(config: ModelConfig, weights: Pick<WeightSource, 'label' | 'has' | 'shape'>): string | undefined {
  const file = basename(weights.label);
  const layers = heldLayers(weights);
  if (layers !== config.numHiddenLayers) return `num_hidden_layers is ${config.numHiddenLayers}, but ${file} holds ${layers} layers`;
  const dims = (name: string) => (weights.has(name) ? weights.shape(name) : undefined);
  const checks: [field: string, expected: number, tensor: string, axis: number][] = [
    ['vocab_size', config.vocabSize, 'model.embed_tokens.weight', 0],
    ['hidden_size', config.hiddenSize, 'model.embed_tokens.weight', 1],
    ['num_attention_heads × head_dim', config.numAttentionHeads * config.headDim, 'model.layers.0.self_attn.q_proj.weight', 0],
    ['num_key_value_heads × head_dim', config.numKeyValueHeads * config.headDim, 'model.layers.0.self_attn.k_proj.weight', 0],
    ['intermediate_size', config.intermediateSize, 'model.layers.0.mlp.gate_proj.weight', 0],
  ];
  for (const [field, expected, tensor, axis] of checks) {
    const actual = dims(tensor)?.[axis];
    if (actual !== undefined && actual !== expected) return `${field} is ${expected}, but ${file}'s "${tensor}" has ${actual} on axis ${axis}`;
  }
  if (!config.tieWordEmbeddings && !weights.has('lm_head.weight')) return `tie_word_embeddings is false, but ${file} has no "lm_head.weight"`;
  return undefined;
}

/**
 * Reads `modelDir/config.json` and, when the folder has model.safetensors, checks it against
 * that file's header; throws `ModelConfigError` naming config.json and the field.
 */
export function readModelFolderConfig(modelDir: string): ModelConfig {
  const configPath = join(modelDir, 'config.json');
  const config = readModelConfig(configPath);
  const weightsPath = join(modelDir, WEIGHTS_FILE);
  if (!existsSync(weightsPath)) return config;
  const file = SafetensorsFile.open(weightsPath);
  try {
    const problem = configMismatch(config, safetensorsSource(file));
    if (problem) throw new ModelConfigError(configPath, problem);
  } finally {
    file.close();
  }
  return config;
}
