/**
 * @file Exports a model folder (config.json, model.safetensors, tokenizer files) as a GGUF that
 * llama.cpp, Ollama and LM Studio run: the metadata of ggufExportMetadata.ts, and every weight
 * under llama.cpp's name with the query and key rows permuted as its converter permutes them.
 * As that converter does, norms (1-D) stay F32 and matrices become F16 or Q8_0; a matrix whose
 * rows are no multiple of 32 falls back from Q8_0 to F16. Weights come through a WeightSource,
 * so a caller can merge an adapter on the way (finetune/exportGguf.ts); one tensor is in memory
 * at a time and the file is written beside the target and renamed at the end.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { encodeGgml, type WritableGgmlType } from '../graph/gguf/ggmlEncode';
import { GgmlType, ggmlTypeName, tensorByteLength } from '../graph/gguf/ggmlTypes';
import { GgufValueType, writeGgufFile, type GgufTensorToWrite } from '../graph/gguf/ggufWriter';
import { SafetensorsFile } from '../graph/safetensors';
import type { ModelConfig } from './config';
import { readModelFolderConfig, WEIGHTS_FILE } from './configBounds';
import { generalMetadata, llamaMetadata, tokenizerMetadata } from './ggufExportMetadata';
import { ggufTensorName, permuteRotaryRows, rotaryHeads } from './ggufLlama';
import type { WeightsWrapper } from './modelFolder';
import { architectureFor } from './registry';
import { safetensorsSource, type WeightSource } from './weights';

/** The tensor types an export can be asked for. */
export const GGUF_EXPORT_TYPES = ['f16', 'q8_0', 'q4_0'] as const;
export type GgufExportType = (typeof GGUF_EXPORT_TYPES)[number];

/** llama.cpp's `llama_ftype` of each export type (general.file_type): MOSTLY_F16, MOSTLY_Q8_0, MOSTLY_Q4_0. */
const FILE_TYPE: Record<GgufExportType, number> = { f16: 1, q8_0: 7, q4_0: 2 };
const MATRIX_TYPE: Record<GgufExportType, WritableGgmlType> = { f16: GgmlType.F16, q8_0: GgmlType.Q8_0, q4_0: GgmlType.Q4_0 };
/**
 * The output head (SmolLM2 ties it to the embedding) stays at 8 bits in a Q4_0 file, as
 * llama-quantize keeps it at a higher precision (Q6_K, which SmolCode does not write).
 */
const OUTPUT_HEADS = new Set(['model.embed_tokens.weight', 'lm_head.weight']);

/** What to export. */
export interface GgufExportOptions {
  readonly modelDir: string;
  /** The .gguf file to write; an existing file is replaced only when the new one is complete. */
  readonly out: string;
  readonly type: GgufExportType;
  /** Wraps the folder's weights, e.g. to merge an adapter. */
  readonly wrap?: WeightsWrapper;
  /** general.name (default: the model folder's name). */
  readonly name?: string;
  readonly onTensor?: (written: number, total: number, name: string) => void;
  readonly signal?: AbortSignal;
}

/** The file written. */
export interface GgufExportResult {
  readonly path: string;
  readonly bytes: number;
  /** Tensors per ggml type, e.g. `{ F32: 5, Q8_0: 14 }`. */
  readonly census: Readonly<Record<string, number>>;
}

/** The ggml type a weight of HF `shape` (and `name`) is written as. */
export function ggmlTypeFor(shape: readonly number[], type: GgufExportType, name = ''): WritableGgmlType {
  if (shape.length === 1) return GgmlType.F32;
  const matrix = type === 'q4_0' && OUTPUT_HEADS.has(name) ? GgmlType.Q8_0 : MATRIX_TYPE[type];
  return matrix !== GgmlType.F16 && shape[shape.length - 1] % 32 !== 0 ? GgmlType.F16 : matrix;
}

/** The tensors of a GGUF of `config` from `weights` (HF names and layout), encoded when written. */
export function ggufTensors(config: ModelConfig, weights: WeightSource, type: GgufExportType): GgufTensorToWrite[] {
  const tensors: GgufTensorToWrite[] = [];
  for (const [name, shape] of architectureFor(config).weightShapes(config)) {
    const ggufName = ggufTensorName(name);
    if (!ggufName) throw new Error(`${weights.label}: weight ${name} has no llama.cpp name`);
    if (!weights.has(name)) throw new Error(`${weights.label}: missing weight ${name}`);
    if (weights.shape(name).join('x') !== shape.join('x')) throw new Error(`${weights.label}: ${name} has shape [${weights.shape(name)}], the config implies [${shape}]`);
    const ggmlType = ggmlTypeFor(shape, type, name);
    const heads = rotaryHeads(name, config);
    tensors.push({
      name: ggufName,
      dims: [...shape].reverse(),
      type: ggmlType,
      byteLength: tensorByteLength(ggmlType, shape.reduce((a, b) => a * b, 1))!,
      data: () => {
        const values = weights.read(name);
        return encodeGgml(heads > 0 ? permuteRotaryRows(values, shape[0], shape[1], heads) : values, ggmlType);
      },
    });
  }
  return tensors;
}

/** Writes the GGUF of `options.modelDir` to `options.out`; see the file header. */
export async function exportGguf(options: GgufExportOptions): Promise<GgufExportResult> {
  const modelDir = resolve(options.modelDir);
  const out = resolve(options.out);
  if (!existsSync(dirname(out)) || !statSync(dirname(out)).isDirectory()) throw new Error(`cannot write ${out}: the folder ${dirname(out)} does not exist`);
  if (existsSync(out) && statSync(out).isDirectory()) throw new Error(`${out} is a folder; name the .gguf file to write`);
  const weightsPath = join(modelDir, WEIGHTS_FILE);
  if (!existsSync(weightsPath)) throw new Error(`${modelDir} has no ${WEIGHTS_FILE}; exporting needs the model's float weights (the folders that make-model, import and fine-tuning write have them)`);
  const config = readModelFolderConfig(modelDir);
  const metadata = {
    ...generalMetadata(options.name ?? basename(modelDir), FILE_TYPE[options.type]),
    ...llamaMetadata(config),
    ...tokenizerMetadata(modelDir, config),
    'general.quantization_version': { type: GgufValueType.U32, value: 2 },
  };
  const file = SafetensorsFile.open(weightsPath);
  try {
    const weights = (options.wrap ?? ((w) => w))(safetensorsSource(file));
    const tensors = ggufTensors(config, weights, options.type);
    await writeGgufFile(out, metadata, tensors, { onTensor: options.onTensor, signal: options.signal });
    const census: Record<string, number> = {};
    for (const t of tensors) census[ggmlTypeName(t.type)] = (census[ggmlTypeName(t.type)] ?? 0) + 1;
    return { path: out, bytes: statSync(out).size, census };
  } finally {
    file.close();
  }
}
