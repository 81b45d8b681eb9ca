/**
 * @file Imports a Llama GGUF (llama.cpp's format, as Ollama and LM Studio keep models) into a
 * Hugging Face model folder SmolCode runs: config.json and generation_config.json from the
 * metadata, tokenizer files rebuilt from it, every tensor dequantized to float32 under its
 * transformers name (query and key rows unpermuted) in model.safetensors, then the ONNX variants
 * and fused graphs through the same writers `make-model` uses. Everything is written into a
 * sibling folder and renamed at the end, so a failed or cancelled import leaves no output folder.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { dequantize } from '../graph/gguf/dequantize';
import { GgufError, GgufFile } from '../graph/gguf/ggufFile';
import { ggmlTypeName } from '../graph/gguf/ggmlTypes';
import { writeSafetensors, type TensorToWrite } from '../graph/safetensors';
import { toConfigJson, type ModelConfig } from './config';
import { FUSED_ATTENTIONS, isFusedVariant, type OnnxVariant } from './configTypes';
import { hfTensorName, llamaConfigFromGguf, unpermuteRotaryRows } from './ggufLlama';
import { tokenizerFilesFromGguf } from './ggufTokenizer';
import { writeFusedOnnxVariant, writeOnnxVariant, type WrittenFile } from './modelFolder';
import { architectureFor } from './registry';

/** What to import and how. */
export interface GgufImportOptions {
  readonly gguf: string;
  /** The model folder to create; it must not exist yet. */
  readonly outDir: string;
  /** ONNX variants to write (default fp32 and q4). */
  readonly variants?: readonly OnnxVariant[];
  /** Also write the fused graphs of those variants that have them (default true). */
  readonly fused?: boolean;
  readonly onProgress?: (message: string) => void;
  readonly signal?: AbortSignal;
}

/** How many tensors of each ggml type a file holds, e.g. `{ Q4_1: 210, F32: 61, Q8_0: 1 }`. */
export function tensorTypeCensus(file: GgufFile): Record<string, number> {
  const census: Record<string, number> = {};
  for (const t of file.tensors) census[ggmlTypeName(t.type)] = (census[ggmlTypeName(t.type)] ?? 0) + 1;
  return census;
}

/** The GGUF's tensors as float32 tensors under transformers' names, checked against the architecture's layout. */
export function hfTensors(file: GgufFile, config: ModelConfig): TensorToWrite[] {
  const expected = architectureFor(config).weightShapes(config);
  const tensors: TensorToWrite[] = [];
  for (const info of file.tensors) {
    const name = hfTensorName(info.name, file.path);
    if (name === undefined) continue;
    const shape = [...info.dims].reverse();
    const want = expected.get(name);
    if (!want) throw new GgufError(file.path, `tensor ${info.name} (${name}) does not belong to a model of this config`);
    if (want.join('x') !== shape.join('x')) throw new GgufError(file.path, `tensor ${info.name} has shape [${shape}], the metadata implies [${want}]`);
    const heads = name.endsWith('q_proj.weight') ? config.numAttentionHeads : name.endsWith('k_proj.weight') ? config.numKeyValueHeads : 0;
    const count = shape.reduce((a, b) => a * b, 1);
    tensors.push({
      name,
      shape,
      values: () => {
        const values = dequantize(info.type, file.read(info), count);
        return heads > 0 ? unpermuteRotaryRows(values, shape[0], shape[1], heads) : values;
      },
    });
  }
  const missing = [...expected.keys()].filter((name) => !tensors.some((t) => t.name === name));
  if (missing.length > 0) throw new GgufError(file.path, `missing tensors: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}`);
  return tensors;
}

/** Imports `options.gguf` into `options.outDir`; see the file header. Returns the files written. */
export function importGguf(options: GgufImportOptions): WrittenFile[] {
  const { outDir, signal } = options;
  const report = options.onProgress ?? (() => undefined);
  if (existsSync(outDir) && (!statSync(outDir).isDirectory() || readdirSync(outDir).length > 0)) {
    throw new Error(`${outDir} already exists and is not empty; choose another output folder`);
  }
  const file = GgufFile.open(options.gguf);
  const partial = join(dirname(outDir), `.${basename(outDir)}.partial-${process.pid}`);
  try {
    const config = llamaConfigFromGguf(file);
    const tokenizer = tokenizerFilesFromGguf(file);
    const tensors = hfTensors(file, config);
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true });
    const json = (name: string, value: unknown) => writeFileSync(join(partial, name), `${JSON.stringify(value, null, 2)}\n`);
    const ids = Object.fromEntries(Object.entries(tokenizer.specialIds).filter(([, v]) => v !== undefined));
    json('config.json', { ...toConfigJson(config, 'float32'), ...ids });
    json('generation_config.json', { _from_model_config: true, ...ids });
    json('tokenizer.json', tokenizer['tokenizer.json']);
    json('tokenizer_config.json', tokenizer['tokenizer_config.json']);
    json('special_tokens_map.json', tokenizer['special_tokens_map.json']);

    report(`dequantizing ${tensors.length} tensors (${Object.entries(tensorTypeCensus(file)).map(([t, n]) => `${n} ${t}`).join(', ')})`);
    const weightsPath = join(partial, 'model.safetensors');
    const start = performance.now();
    writeSafetensors(weightsPath, tensors.map((t) => ({ ...t, values: () => (signal?.throwIfAborted(), t.values()) })), 'F32', { format: 'pt', source: basename(options.gguf) });
    const written: WrittenFile[] = [{ path: weightsPath, bytes: statSync(weightsPath).size, seconds: (performance.now() - start) / 1000 }];
    for (const variant of options.variants ?? ['fp32', 'q4']) {
      signal?.throwIfAborted();
      report(`writing the ${variant} graph`);
      written.push(...writeOnnxVariant(partial, variant));
      if ((options.fused ?? true) && isFusedVariant(variant)) {
        for (const attention of FUSED_ATTENTIONS) written.push(...writeFusedOnnxVariant(partial, variant, { attention }));
      }
    }
    signal?.throwIfAborted();
    rmSync(outDir, { recursive: true, force: true });
    renameSync(partial, outDir);
    return written.map((w) => ({ ...w, path: join(outDir, w.path.slice(partial.length + 1)) }));
  } finally {
    file.close();
    rmSync(partial, { recursive: true, force: true });
  }
}
