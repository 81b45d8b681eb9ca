/**
 * @file Helpers that make small generated models for tests: tiny configs (GQA and multi-head,
 * optionally with a reduced vocabulary), a model folder in a temp dir, and weight access for
 * the reference forward (including the dequantized weights a q4/int8 graph computes with).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelConfig } from '../../src/model/config';
import type { ModelFlavour, OnnxVariant } from '../../src/model/configTypes';
import { llamaWeightShapes } from '../../src/model/llamaMath';
import { makeModelFolder } from '../../src/model/modelFolder';
import { QUANT_BLOCK_SIZE } from '../../src/model/precision';
import { dequantizeBlockwise, quantizeBlockwise, type QuantBits } from '../../src/graph/quantize';
import { SafetensorsFile } from '../../src/graph/safetensors';
import { SHAPES } from '../../src/model/shapes';
import { resolveTokenizerDir } from '../../src/model/tokenizerFiles';

/** The tiny shape with overrides, e.g. `{ numKeyValueHeads: 4 }` for multi-head attention. */
export function tinyConfig(overrides: Partial<ModelConfig> = {}): ModelConfig {
  return { ...SHAPES.tiny, ...overrides };
}

/** A generated model folder in a fresh temp dir; `dispose()` deletes it. */
export interface TempModel {
  readonly dir: string;
  readonly config: ModelConfig;
  dispose(): void;
}

/** Options of `makeTempModel`. */
export interface TempModelOptions {
  readonly config?: ModelConfig;
  readonly seed?: number;
  readonly variants?: readonly OnnxVariant[];
  readonly flavour?: ModelFlavour;
}

/** Generates a model folder (default: tiny GQA, fp32 only, base flavour, F32 safetensors). */
export function makeTempModel(options: TempModelOptions = {}): TempModel {
  const dir = mkdtempSync(join(tmpdir(), 'smolcode-model-'));
  const config = options.config ?? tinyConfig();
  makeModelFolder({
    config,
    seed: options.seed ?? 1,
    outDir: dir,
    flavour: options.flavour ?? 'base',
    variants: options.variants ?? ['fp32'],
    tokenizerDir: resolveTokenizerDir(),
    weightsDtype: 'F32',
  });
  return { dir, config, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Loads every tensor of `dir/model.safetensors` as float32, for the reference forward. */
export function loadWeights(dir: string): (name: string) => Float32Array {
  const file = SafetensorsFile.open(join(dir, 'model.safetensors'));
  try {
    const all = new Map(file.names().map((n) => [n, file.readFloat32(n)]));
    return (name) => {
      const w = all.get(name);
      if (!w) throw new Error(`no weight ${name}`);
      return w;
    };
  } finally {
    file.close();
  }
}

/**
 * The weights a q4/int8 graph effectively uses: every Linear weight (`*_proj`, untied
 * `lm_head`) quantized and dequantized exactly as `precision.ts` stores it; other tensors as is.
 */
export function dequantizedWeights(weights: (name: string) => Float32Array, config: ModelConfig, bits: QuantBits): (name: string) => Float32Array {
  const shapes = llamaWeightShapes(config);
  const cache = new Map<string, Float32Array>();
  return (name) => {
    if (!name.endsWith('_proj.weight') && name !== 'lm_head.weight') return weights(name);
    let w = cache.get(name);
    if (!w) {
      const [n, k] = shapes.get(name)!;
      w = dequantizeBlockwise(quantizeBlockwise(weights(name), n, k, bits, QUANT_BLOCK_SIZE));
      cache.set(name, w);
    }
    return w;
  };
}
