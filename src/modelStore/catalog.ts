/**
 * @file The SmolLM2 models SmolCode can download: hub repository per model id, the ONNX file
 * per dtype, and the small files every model folder needs. Listed once, here; the downloader
 * and the local-folder check both read this table.
 */
import { DTYPES, isFusedVariant, type Dtype } from '../model/configTypes';

/** The base models inline completion offers (`smolcode.completion.model`). */
export const COMPLETION_MODELS = ['SmolLM2-135M', 'SmolLM2-360M', 'SmolLM2-1.7B'] as const;
/** The Instruct models chat offers (`smolcode.chat.model`). */
export const CHAT_MODELS = ['SmolLM2-135M-Instruct', 'SmolLM2-360M-Instruct', 'SmolLM2-1.7B-Instruct'] as const;

/** A model id as the settings name it, e.g. `SmolLM2-360M-Instruct`. */
export type ModelId = (typeof COMPLETION_MODELS)[number] | (typeof CHAT_MODELS)[number];

/** Every model id in the catalog. */
export const MODEL_IDS: readonly ModelId[] = [...COMPLETION_MODELS, ...CHAT_MODELS];

/** Hub revision used when none is given: the default branch. */
export const DEFAULT_REVISION = 'main';

/** One catalog row. */
export interface CatalogEntry {
  readonly id: ModelId;
  /** Hub repository, `owner/name`. */
  readonly repo: string;
  /** Base models continue text; Instruct models carry the chat template. */
  readonly flavour: 'base' | 'instruct';
}

/** The hub's ONNX file for each dtype (transformers.js looks for the same names). */
export const ONNX_FILE: Readonly<Record<Dtype, string>> = {
  fp32: 'onnx/model.onnx',
  fp16: 'onnx/model_fp16.onnx',
  q4: 'onnx/model_q4.onnx',
  q4f16: 'onnx/model_q4f16.onnx',
  int8: 'onnx/model_int8.onnx',
};

/** Files the tokenizer loader reads from one folder. */
export const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json'] as const;

/** Small files downloaded with every model; `required: false` ones may be absent (404) on the hub. */
export const SMALL_FILES: readonly HubFile[] = [
  { path: 'config.json', required: true },
  { path: 'generation_config.json', required: false },
  { path: 'tokenizer.json', required: true },
  { path: 'tokenizer_config.json', required: true },
  { path: 'special_tokens_map.json', required: false },
];

/**
 * The float weights fine-tuning and adapter merging read (SmolLM2's repos keep one
 * `model.safetensors` at the root); downloaded only when a request asks for `weights`.
 */
export const WEIGHTS_FILES: readonly HubFile[] = [{ path: 'model.safetensors', required: true }];

/** A file of a hub repository, and whether a 404 for it is an error. */
export interface HubFile {
  readonly path: string;
  readonly required: boolean;
}

/** The catalog row for `id`; throws naming the id and the known ones. */
export function catalogEntry(id: string): CatalogEntry {
  const known = MODEL_IDS.find((m) => m === id);
  if (!known) throw new Error(`unknown model "${id}"; known models: ${MODEL_IDS.join(', ')}`);
  return {
    id: known,
    repo: `HuggingFaceTB/${known}`,
    flavour: known.endsWith('-Instruct') ? 'instruct' : 'base',
  };
}

/** The ONNX file for `dtype`; throws naming the dtype and the known ones. */
export function onnxFile(dtype: string): string {
  const known = DTYPES.find((d) => d === dtype);
  if (!known) throw new Error(`unknown dtype "${dtype}"; known dtypes: ${DTYPES.join(', ')}`);
  return ONNX_FILE[known];
}

/**
 * Every file a model folder of `dtype` needs, small files first so that a bad repo or token
 * fails before the large download. Models over 2 GB keep their weights in an `_data` file
 * beside the graph (ONNX external data); whether one exists is only known by asking the hub.
 */
export function modelFiles(dtype: string): HubFile[] {
  const graph = onnxFile(dtype);
  return [...SMALL_FILES, { path: graph, required: true }, { path: `${graph}_data`, required: false }];
}

/** Whether a role's download must include model.safetensors, from which the fused graph is built. */
export function needsFloatWeights(choice: { readonly fusedGraph: boolean; readonly localModelPath: string; readonly dtype: Dtype }): boolean {
  // A local folder is used as it is; only downloads fetch what the fused graph is built from.
  return choice.fusedGraph && !choice.localModelPath.trim() && isFusedVariant(choice.dtype);
}
