/**
 * @file Merges a LoRA adapter into its base model: W' = W + scale · B·A for every adapted
 * Linear in the float variants; the quantized ones keep the base's blocks and add the update as
 * two small float MatMuls (`loraBranchWeights`). Then writes a complete model folder the engine
 * loads like any other (config.json,
 * generation config and tokenizer files copied from the base, onnx/model*.onnx built with the
 * same graph builder as make-model). By default the folder is the adapter's own, so an adapter
 * folder becomes directly usable for completion and chat. Everything is written into a
 * temporary folder beside the output and published only when complete (runtime/stagedFolder.ts),
 * so a killed merge leaves the output as it was and its temporary folder to the startup sweep.
 */
import { copyFileSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { readModelConfig } from '../model/config';
import { readModelFolderConfig } from '../model/configBounds';
import { fusedVariantFile, isFusedVariant, ONNX_VARIANTS, VARIANT_FILE, type OnnxVariant } from '../model/configTypes';
import { cudaProviderInstalled, fusedAttentionFor } from '../runtime/providers';
import { FIM_RECORD_FILE } from '../model/fim';
import type { WrittenFile } from '../model/modelFolder';
import { writeOnnxModel } from '../graph/onnxWriter';
import { precisionFor } from '../model/precision';
import { architectureFor } from '../model/registry';
import { SafetensorsFile } from '../graph/safetensors';
import { safetensorsSource, type WeightSource } from '../model/weights';
import { withRecoveredBlocks } from '../model/recoveredBlocks';
import { loadAdapter, type Adapter } from './adapter';
import { loraModules, loraScale } from '../model/lora';
import { partialPath } from '../runtime/leftovers';
import { publishStagedFolder } from '../runtime/stagedFolder';
import { currentMergeVariants, keepsUpdateBeside, MERGE_FORMAT, MERGE_RECORD_FILE } from './mergeRecord';

/** Files copied from the base model folder when present. */
const COPIED_FILES = ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json'];

/** What to merge. */
export interface MergeOptions {
  readonly modelDir: string;
  readonly adapterDir: string;
  /** Output folder (default: the adapter folder). */
  readonly outDir?: string;
  /** ONNX variants to write (default: those the base folder has, else fp32). */
  readonly variants?: readonly OnnxVariant[];
  /**
   * Also write the fused graph (model/llamaFused.ts) of each variant that has one, with the
   * attention this machine's engine prefers (default true): a merged folder has no
   * model.safetensors, so the engine could not build it later and would run the plain graph,
   * about 3 times slower per token on the CPU.
   */
  readonly fused?: boolean;
  /** Called as each ONNX file is finished, before the folder is published (for progress). */
  readonly onWritten?: (file: WrittenFile) => void;
}

/** `weights` with every adapted Linear replaced by W + scale · B·A (computed in float64, stored float32). */
export function mergedWeights(weights: WeightSource, adapter: Adapter, config: ReturnType<typeof readModelConfig>): WeightSource {
  const scale = loraScale(adapter.lora);
  const byWeight = new Map(loraModules(config, adapter.lora).map((m) => [`${m.module}.weight`, m]));
  return {
    label: `${weights.label} + LoRA`,
    has: (name) => weights.has(name),
    shape: (name) => weights.shape(name),
    read: (name) => {
      const w = weights.read(name);
      const m = byWeight.get(name);
      if (!m) return w;
      const a = adapter.weights.get(m.a)!;
      const b = adapter.weights.get(m.b)!;
      const [out, r] = m.bShape;
      const inp = m.aShape[1];
      const merged = new Float32Array(out * inp);
      const row = new Float64Array(inp);
      for (let o = 0; o < out; o++) {
        row.fill(0);
        for (let k = 0; k < r; k++) {
          const bk = b[o * r + k];
          for (let i = 0; i < inp; i++) row[i] += bk * a[k * inp + i];
        }
        for (let i = 0; i < inp; i++) merged[o * inp + i] = w[o * inp + i] + scale * row[i];
      }
      return merged;
    },
  };
}

/**
 * `weights` with each adapted Linear's update kept beside it (`WeightSource.lowRank`), for the
 * quantized variants: merged first, B·A (about 1% of W here) mostly falls inside a 4-bit step and
 * rounds away, and a GGUF import's own blocks would be rounded a second time.
 */
export function loraBranchWeights(weights: WeightSource, adapter: Adapter, config: ReturnType<typeof readModelConfig>): WeightSource {
  const scale = loraScale(adapter.lora);
  const byWeight = new Map(loraModules(config, adapter.lora).map((m) => [`${m.module}.weight`, m]));
  return {
    ...weights,
    label: `${weights.label} + LoRA`,
    lowRank(name) {
      const m = byWeight.get(name);
      if (!m) return weights.lowRank?.(name);
      return { rank: m.aShape[0], a: adapter.weights.get(m.a)!.map((v) => v * scale), b: adapter.weights.get(m.b)! };
    },
  };
}

/** The variants the base folder has under onnx/ (fp32 when it has none). */
function presentVariants(modelDir: string): OnnxVariant[] {
  const present = ONNX_VARIANTS.filter((v) => existsSync(join(modelDir, 'onnx', VARIANT_FILE[v])));
  return present.length > 0 ? present : ['fp32'];
}

/** Merges and writes the model folder; returns the ONNX files written. */
export function mergeAdapter(options: MergeOptions): WrittenFile[] {
  const modelDir = resolve(options.modelDir);
  const outDir = resolve(options.outDir ?? options.adapterDir);
  const config = readModelFolderConfig(modelDir);
  const adapter = loadAdapter(options.adapterDir, config);
  const safetensorsPath = join(modelDir, 'model.safetensors');
  if (!existsSync(safetensorsPath)) throw new Error(`${modelDir} has no model.safetensors; merging needs the base model's float weights`);
  const staging = partialPath(join(dirname(outDir), `.${basename(outDir)}`));
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(join(staging, 'onnx'), { recursive: true });
  const file = SafetensorsFile.open(safetensorsPath);
  try {
    for (const name of COPIED_FILES) {
      if (existsSync(join(modelDir, name)) && resolve(modelDir, name) !== resolve(outDir, name)) copyFileSync(join(modelDir, name), join(staging, name));
    }
    // The merged model prompts as the adapter learned: it keeps the adapter's FIM record.
    const fimRecord = join(options.adapterDir, FIM_RECORD_FILE);
    if (existsSync(fimRecord) && resolve(fimRecord) !== resolve(outDir, FIM_RECORD_FILE)) copyFileSync(fimRecord, join(staging, FIM_RECORD_FILE));
    const base = safetensorsSource(file);
    const merged = mergedWeights(base, adapter, config);
    // A base imported from a GGUF keeps its own blocks in the quantized variants (see model/recoveredBlocks.ts);
    // made on first use, as finding them reads a weight.
    let branched: WeightSource | undefined;
    const weightsFor = (variant: OnnxVariant) =>
      keepsUpdateBeside(variant) ? (branched ??= loraBranchWeights(withRecoveredBlocks(base, 'model.layers.0.self_attn.q_proj.weight'), adapter, config)) : merged;
    const variants = options.variants ?? presentVariants(modelDir);
    const arch = architectureFor(config);
    const timedWrite = (file: string, build: () => Parameters<typeof writeOnnxModel>[0]): WrittenFile => {
      const start = performance.now();
      const path = join(staging, 'onnx', file);
      writeOnnxModel(build(), path);
      const done = { path, bytes: statSync(path).size, seconds: (performance.now() - start) / 1000 };
      options.onWritten?.(done);
      return done;
    };
    const attention = fusedAttentionFor('auto', process.platform, cudaProviderInstalled());
    const written = variants.flatMap((variant) => [
      timedWrite(VARIANT_FILE[variant], () => arch.buildInferenceGraph(config, weightsFor(variant), precisionFor(variant))),
      ...(options.fused !== false && isFusedVariant(variant)
        ? [timedWrite(fusedVariantFile(variant, attention), () => arch.buildFusedInferenceGraph(config, weightsFor(variant), arch.fusedPrecision(variant), { attention }))]
        : []),
    ]);
    const recorded = [...new Set([...currentMergeVariants(outDir), ...variants])];
    writeFileSync(join(staging, MERGE_RECORD_FILE), `${JSON.stringify({ format: MERGE_FORMAT, variants: recorded })}\n`);
    publishStagedFolder(staging, outDir);
    return written.map((w) => ({ ...w, path: join(outDir, 'onnx', basename(w.path)) }));
  } finally {
    file.close();
    rmSync(staging, { recursive: true, force: true });
  }
}
