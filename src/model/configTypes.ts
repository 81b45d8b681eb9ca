/**
 * @file The small closed sets that model code switches on, each listed once so that flags,
 * validation messages and file names all come from the same place.
 */

/** Precision variants of the inference graph, in the hub's naming. */
export const ONNX_VARIANTS = ['fp32', 'fp16', 'q4', 'int8'] as const;
/** One precision variant of the inference graph. */
export type OnnxVariant = (typeof ONNX_VARIANTS)[number];

/** The file name of each variant under `onnx/`, as on the hub (transformers.js looks for these). */
export const VARIANT_FILE: Record<OnnxVariant, string> = {
  fp32: 'model.onnx',
  fp16: 'model_fp16.onnx',
  q4: 'model_q4.onnx',
  int8: 'model_int8.onnx',
};

/** Variants that also have a fused graph (ORT contrib ops; float16 would need GQA's half kernels). */
export const FUSED_VARIANTS = ['fp32', 'q4', 'int8'] as const satisfies readonly OnnxVariant[];
/** One variant with a fused graph. */
export type FusedVariant = (typeof FUSED_VARIANTS)[number];

/** Whether `variant` has a fused graph. */
export function isFusedVariant(variant: string): variant is FusedVariant {
  return (FUSED_VARIANTS as readonly string[]).includes(variant);
}

/**
 * How a fused graph computes attention (model/llamaFused.ts): `gqa`, ORT's GroupQueryAttention
 * with hub-style `present.*` outputs (transformers.js and the WebGPU cache run it), or `matmul`,
 * plain MatMul and Softmax over caches kept in the engine's own layout (faster on CPU, where GQA
 * copies the whole past into its present output on every step).
 */
export const FUSED_ATTENTIONS = ['gqa', 'matmul'] as const;
/** One attention kind of the fused graph. */
export type FusedAttention = (typeof FUSED_ATTENTIONS)[number];

/**
 * The type of a matmul graph's KV cache buffers: float32, or 8-bit codes with a scale per
 * position (model/int8KvAttention.ts).
 */
export const KV_CACHE_TYPES = ['float32', 'int8'] as const;
/** One cache type. */
export type KvCacheType = (typeof KV_CACHE_TYPES)[number];

/** The `smolcode.kvCache` setting: `auto` leaves the choice to the graph (see `defaultKvCache`). */
export const KV_CACHE_OPTIONS = ['auto', ...KV_CACHE_TYPES] as const;
/** One value of the setting. */
export type KvCacheOption = (typeof KV_CACHE_OPTIONS)[number];

/**
 * `EngineOptions.kvCache` for the setting: nothing for `auto`, so the graph decides; a value
 * settings.json may hold that the enum does not list counts as `auto` too.
 */
export function kvCacheOption(option: KvCacheOption): { kvCache?: KvCacheType } {
  return (KV_CACHE_TYPES as readonly string[]).includes(option) ? { kvCache: option as KvCacheType } : {};
}

/** Values of the `smolcode.nativeDecode` setting. */
export const NATIVE_DECODE_OPTIONS = ['auto', 'on', 'off'] as const;
/** One value of the setting. */
export type NativeDecodeOption = (typeof NATIVE_DECODE_OPTIONS)[number];

/**
 * `EngineOptions.nativeDecode` for the setting: nothing for `auto` (the engine decides by the
 * native step's kernel), and a value the enum does not list counts as `auto` too.
 */
export function nativeDecodeOption(option: NativeDecodeOption): { nativeDecode?: boolean } {
  return option === 'on' ? { nativeDecode: true } : option === 'off' ? { nativeDecode: false } : {};
}

/**
 * The cache a matmul graph of `variant` keeps unless told otherwise: 8-bit for the quantized
 * variants, float32 for fp32, which stays the exact reference.
 */
export function defaultKvCache(variant: FusedVariant): KvCacheType {
  return variant === 'fp32' ? 'float32' : 'int8';
}

/**
 * The file of a variant's fused graph under `onnx/`: next to the plain one with a `_fused`
 * suffix (`model_q4_fused.onnx`; `model_q4_fused_matmul.onnx` for matmul attention), names
 * transformers.js never picks for a dtype, so the plain graph stays what hub-style loaders run.
 */
export function fusedVariantFile(variant: FusedVariant, attention: FusedAttention = 'gqa'): string {
  return VARIANT_FILE[variant].replace(/\.onnx$/, attention === 'gqa' ? '_fused.onnx' : '_fused_matmul.onnx');
}

/**
 * A fused graph file: the whole model with one attention kind, or `prompt`, a prompt graph
 * (matmul attention, no logits; model/llamaFused.ts `promptOnly`) that runs prompt chunks into
 * the cache of a decode graph in another precision (runtime/fusedSession.ts).
 */
export type FusedGraphKind = FusedAttention | 'prompt';

/** The file of `variant`'s fused graph of `kind` under `onnx/` (`model_int8_fused_prompt.onnx` for a prompt graph). */
export function fusedGraphFile(variant: FusedVariant, kind: FusedGraphKind): string {
  return kind === 'prompt' ? VARIANT_FILE[variant].replace(/\.onnx$/, '_fused_prompt.onnx') : fusedVariantFile(variant, kind);
}

/** Named model shapes that `make-model` can generate. */
export const SHAPE_NAMES = ['tiny', '135M', '360M', '1.7B'] as const;
/** One named model shape. */
export type ShapeName = (typeof SHAPE_NAMES)[number];

/** Which released flavour a generated folder imitates (tokenizer config, generation config). */
export type ModelFlavour = 'base' | 'instruct';

/** Values of `model_type` with a graph implementation (rows of `registry.ts`). */
export const MODEL_TYPES = ['llama'] as const;
/** One supported `model_type`. */
export type ModelType = (typeof MODEL_TYPES)[number];

/** The ONNX variants a model folder can be loaded in (`smolcode.dtype`). */
export const DTYPES = ['fp32', 'fp16', 'q4', 'q4f16', 'int8'] as const;
export type Dtype = (typeof DTYPES)[number];

/** Which engine a request is for; each role has its own model and cache slot. */
export type Role = 'completion' | 'chat';
