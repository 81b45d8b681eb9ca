/**
 * @file Generates a complete Hugging Face-layout model folder with random weights: config.json,
 * generation_config.json, the real SmolLM2 tokenizer files, model.safetensors and the ONNX
 * precision variants under onnx/. Weights are streamed to safetensors one tensor at a time and
 * each ONNX variant is then built from that file, so the ONNX graphs are exercised on exactly the
 * path a downloaded checkpoint takes, and multi-GB shapes never sit in memory whole.
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readModelConfig, toConfigJson, type ModelConfig } from './config';
import { FUSED_ATTENTIONS, fusedGraphFile, fusedVariantFile, VARIANT_FILE, type FusedVariant, type ModelFlavour, type OnnxVariant } from './configTypes';
import type { GraphBuilder } from '../graph/graphBuilder';
import { randomWeights } from './init';
import { writeOnnxModel } from '../graph/onnxWriter';
import { precisionFor } from './precision';
import { architectureFor, type FusedGraphOptions } from './registry';
import { SafetensorsFile, writeSafetensors, type SafetensorsDtype } from '../graph/safetensors';
import { checkTokenizerDir, copyTokenizerFiles } from './tokenizerFiles';
import { safetensorsSource, type WeightSource } from './weights';

/** What to generate. */
export interface MakeModelOptions {
  readonly config: ModelConfig;
  readonly seed: number;
  readonly outDir: string;
  readonly flavour: ModelFlavour;
  readonly variants: readonly OnnxVariant[];
  /** Variants to write the fused graphs of as well, with each attention (`onnx/<variant>_fused.onnx`, `…_fused_matmul.onnx`). */
  readonly fusedVariants?: readonly FusedVariant[];
  readonly tokenizerDir: string;
  /** Storage type of model.safetensors (default BF16, as the released checkpoints). */
  readonly weightsDtype?: SafetensorsDtype;
}

/** One written file with its size and how long it took. */
export interface WrittenFile {
  readonly path: string;
  readonly bytes: number;
  readonly seconds: number;
}

const TORCH_DTYPE: Record<SafetensorsDtype, string> = { F32: 'float32', F16: 'float16', BF16: 'bfloat16' };

/** Special token ids of each flavour, as in the released config.json files. */
const SPECIAL_IDS: Record<ModelFlavour, Record<string, number>> = {
  base: { bos_token_id: 0, eos_token_id: 0 },
  instruct: { bos_token_id: 1, eos_token_id: 2, pad_token_id: 2 },
};

function timed(path: string, write: () => void): WrittenFile {
  const start = performance.now();
  write();
  return { path, bytes: statSync(path).size, seconds: (performance.now() - start) / 1000 };
}

/** Writes the model folder described by `options` and returns every large file written. */
export function makeModelFolder(options: MakeModelOptions): WrittenFile[] {
  const { config, outDir, flavour } = options;
  const weightsDtype = options.weightsDtype ?? 'BF16';
  // Fail on a missing tokenizer before spending minutes on weights.
  checkTokenizerDir(options.tokenizerDir, flavour);
  mkdirSync(join(outDir, 'onnx'), { recursive: true });
  const configJson = { ...toConfigJson(config, TORCH_DTYPE[weightsDtype]), ...SPECIAL_IDS[flavour] };
  writeFileSync(join(outDir, 'config.json'), `${JSON.stringify(configJson, null, 2)}\n`);
  if (flavour === 'base') {
    const generation = { _from_model_config: true, ...SPECIAL_IDS.base, transformers_version: '4.40.1' };
    writeFileSync(join(outDir, 'generation_config.json'), `${JSON.stringify(generation, null, 2)}\n`);
  }
  copyTokenizerFiles(options.tokenizerDir, flavour, outDir);

  const safetensorsPath = join(outDir, 'model.safetensors');
  const written = [timed(safetensorsPath, () => writeSafetensors(safetensorsPath, randomWeights(config, options.seed), weightsDtype))];
  for (const variant of options.variants) written.push(...writeOnnxVariant(outDir, variant));
  for (const variant of options.fusedVariants ?? []) {
    for (const attention of FUSED_ATTENTIONS) written.push(...writeFusedOnnxVariant(outDir, variant, { attention }));
    // int8 is the precision prompt chunks run in beside a q4 decode graph (EngineOptions.promptDtype).
    if (variant === 'int8') written.push(...writeFusedPromptGraph(outDir, variant));
  }
  return written;
}

/**
 * Wraps the folder's float weights for a graph writer: an importer adds the checkpoint's own
 * quantized blocks this way (WeightSource.quantized), so that they are not quantized twice.
 */
export type WeightsWrapper = (floats: WeightSource) => WeightSource;

/** Builds `onnx/<variant file>` of the folder `modelDir` from its config.json and model.safetensors. */
export function writeOnnxVariant(modelDir: string, variant: OnnxVariant, wrap?: WeightsWrapper): WrittenFile[] {
  return writeGraph(modelDir, join(modelDir, 'onnx', VARIANT_FILE[variant]), (arch, config, weights) => arch.buildInferenceGraph(config, weights, precisionFor(variant)), wrap);
}

/** Builds `onnx/<variant>_fused[_matmul].onnx`, the contrib-op graph (model/llamaFused.ts), of the folder `modelDir`. */
export function writeFusedOnnxVariant(modelDir: string, variant: FusedVariant, options: FusedGraphOptions = {}, wrap?: WeightsWrapper): WrittenFile[] {
  return writeFusedGraph(modelDir, variant, join(modelDir, 'onnx', fusedVariantFile(variant, options.attention)), options, wrap);
}

/** Writes the prompt graph of `variant` (matmul attention, no logits; see llamaFused.ts `promptOnly`) as `onnx/model_<variant>_fused_prompt.onnx`. */
export function writeFusedPromptGraph(modelDir: string, variant: FusedVariant): WrittenFile[] {
  return writeFusedGraph(modelDir, variant, join(modelDir, 'onnx', fusedGraphFile(variant, 'prompt')), { attention: 'matmul', promptOnly: true });
}

/** Builds the fused graph of `variant` from the folder's config.json and model.safetensors into `path`. */
export function writeFusedGraph(modelDir: string, variant: FusedVariant, path: string, options: FusedGraphOptions = {}, wrap?: WeightsWrapper): WrittenFile[] {
  return writeGraph(modelDir, path, (arch, config, weights) => arch.buildFusedInferenceGraph(config, weights, arch.fusedPrecision(variant), options), wrap);
}

function writeGraph(
  modelDir: string,
  path: string,
  build: (arch: ReturnType<typeof architectureFor>, config: ModelConfig, weights: WeightSource) => GraphBuilder,
  wrap: WeightsWrapper = (floats) => floats,
): WrittenFile[] {
  const config = readModelConfig(join(modelDir, 'config.json'));
  const file = SafetensorsFile.open(join(modelDir, 'model.safetensors'));
  try {
    mkdirSync(dirname(path), { recursive: true });
    const start = performance.now();
    const graph = build(architectureFor(config), config, wrap(safetensorsSource(file)));
    const result = writeOnnxModel(graph, path);
    const seconds = (performance.now() - start) / 1000;
    const files = [{ path, bytes: statSync(path).size, seconds }];
    if (result.dataPath) files.push({ path: result.dataPath, bytes: statSync(result.dataPath).size, seconds: 0 });
    return files;
  } finally {
    file.close();
  }
}
