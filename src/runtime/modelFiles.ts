/**
 * @file Finds the files of a model folder in Hugging Face layout: the ONNX file for a dtype,
 * the tokenizer files, and the end-of-sequence ids, with errors that name what is missing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fusedGraphFile, isFusedVariant, type FusedGraphKind, type Dtype } from '../model/configTypes';
import { shippedTokenizerDir } from '../model/tokenizerFiles';
import { readModelFolderConfig, WEIGHTS_FILE } from '../model/configBounds';
import { SafetensorsError } from '../graph/safetensors';
import { ONNX_FILE } from '../modelStore/catalog';

/** Path of the ONNX file for `dtype`, or an error listing the dtypes the folder has. */
export function onnxPath(modelDir: string, dtype: Dtype): string {
  const path = join(modelDir, ONNX_FILE[dtype]);
  if (existsSync(path)) return path;
  const present = (Object.keys(ONNX_FILE) as Dtype[]).filter((d) => existsSync(join(modelDir, ONNX_FILE[d])));
  throw new Error(
    `${modelDir} has no ${ONNX_FILE[dtype]} for dtype "${dtype}"; ` +
      (present.length > 0 ? `it has: ${present.join(', ')}` : 'it has no ONNX model files at all'),
  );
}

/**
 * Path of the fused graph for `dtype` of `kind` (`onnx/model_q4_fused.onnx`,
 * `onnx/model_q4_fused_matmul.onnx` or `onnx/model_int8_fused_prompt.onnx` next to
 * `onnx/model_q4.onnx`, as model/configTypes.ts names them), or undefined when the folder has none.
 */
export function fusedOnnxPath(modelDir: string, dtype: Dtype, kind: FusedGraphKind): string | undefined {
  const path = isFusedVariant(dtype) ? join(modelDir, 'onnx', fusedGraphFile(dtype, kind)) : undefined;
  return path && existsSync(path) ? path : undefined;
}

function readJson(path: string): Record<string, unknown> | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`${path} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

function ids(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (Array.isArray(value)) return value.filter((v): v is number => typeof v === 'number');
  return [];
}

/** End-of-sequence token ids, from generation_config.json, else config.json. */
export function eosTokenIds(modelDir: string): number[] {
  const generation = readJson(join(modelDir, 'generation_config.json'));
  const fromGeneration = ids(generation?.eos_token_id);
  if (fromGeneration.length > 0) return fromGeneration;
  return ids(readJson(join(modelDir, 'config.json'))?.eos_token_id);
}

/**
 * The folder holding tokenizer.json for a model: the model folder, else the fallback, else the
 * SmolLM2 tokenizer shipped with SmolCode (every SmolLM2 size shares it).
 */
export function tokenizerDir(modelDir: string, fallback?: string, shipped = shippedTokenizerDir()): string {
  for (const dir of [modelDir, fallback, shipped]) {
    if (dir && existsSync(join(dir, 'tokenizer.json')) && existsSync(join(dir, 'tokenizer_config.json'))) return dir;
  }
  throw new Error(
    `no tokenizer.json and tokenizer_config.json in ${modelDir}` +
      (fallback ? ` or in ${fallback}` : '') +
      '; set smolcode.tokenizerPath (or SMOLCODE_TOKENIZER_DIR) to a folder with SmolLM2\'s tokenizer files',
  );
}

/** config.json's num_hidden_layers, or an error naming the folder. */
export function layerCount(modelDir: string): number {
  const value = readJson(join(modelDir, 'config.json'))?.num_hidden_layers;
  if (typeof value !== 'number' || !(value > 0)) throw new Error(`${modelDir}/config.json has no num_hidden_layers`);
  return value;
}

/** The context window in tokens (config.json's max_position_embeddings; 2048 when absent). */
export function contextLength(modelDir: string): number {
  const value = readJson(join(modelDir, 'config.json'))?.max_position_embeddings;
  return typeof value === 'number' && value > 0 ? value : 2048;
}

/**
 * Throws naming config.json's field when the folder's model.safetensors contradicts it
 * (model/configBounds.ts), before any of its sizes are used. A folder with only ONNX files has
 * no header to check against, and an unreadable model.safetensors only stops the fused build,
 * which says so and leaves the plain graph to run.
 */
export function checkConfigAgainstWeights(modelDir: string): void {
  if (!existsSync(join(modelDir, WEIGHTS_FILE))) return;
  try {
    readModelFolderConfig(modelDir);
  } catch (error) {
    if (!(error instanceof SafetensorsError)) throw error;
  }
}
