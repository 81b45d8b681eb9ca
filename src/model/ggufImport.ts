/**
 * @file Imports a Llama GGUF (llama.cpp's format, as Ollama and LM Studio keep models) into a
 * Hugging Face model folder SmolCode runs: config.json and generation_config.json from the
 * metadata, tokenizer files rebuilt from it, every tensor dequantized to float32 under its
 * transformers name (query and key rows unpermuted) in model.safetensors, then the ONNX variants
 * and fused graphs through the same writers `make-model` uses. The q4 graphs take Q4_0 and Q4_1
 * tensors' own 4-bit blocks (`ggufQuantizedWeights`) instead of quantizing the dequantized floats
 * a second time; `quantizeAgain` keeps the old way for comparison. Everything is written into a
 * sibling folder and renamed at the end, so a failed or cancelled import leaves no output folder.
 */
import { existsSync, mkdirSync, readdirSync, linkSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { dequantize } from '../graph/gguf/dequantize';
import { GgufError, GgufFile, type GgufTensorInfo } from '../graph/gguf/ggufFile';
import { blockLayout, GgmlType, ggmlTypeName } from '../graph/gguf/ggmlTypes';
import { halfBitsToFloat } from '../graph/half';
import type { QuantizedMatrix } from '../graph/quantize';
import { writeSafetensorsAsync, type TensorToWrite } from '../graph/safetensors';
import { toConfigJson, type ModelConfig } from './config';
import { FUSED_ATTENTIONS, isFusedVariant, type OnnxVariant } from './configTypes';
import { hfTensorName, llamaConfigFromGguf, rotaryHeads, unpermuteRotaryRows } from './ggufLlama';
import { tokenizerFilesFromGguf } from './ggufTokenizer';
import { writeFusedOnnxVariant, writeOnnxVariant, type WrittenFile } from './modelFolder';
import type { WeightSource } from './weights';
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
  /** Quantize the q4 graphs from the dequantized floats, ignoring the file's own 4-bit blocks (for comparison). */
  readonly quantizeAgain?: boolean;
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
    const heads = rotaryHeads(name, config);
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

/** Whether a tensor of `type` with `k` inputs per row maps onto MatMulNBits' 4-bit blocks of 32. */
function fitsMatMulNBits(type: number, k: number): boolean {
  return (type === GgmlType.Q4_0 || type === GgmlType.Q4_1) && k % 32 === 0;
}

/**
 * A Q4_0 or Q4_1 tensor's blocks in MatMulNBits' layout, exactly: GGUF packs element j with
 * element j+16 of a block in byte j, MatMulNBits packs elements 2t and 2t+1 in byte t, so the
 * codes are repacked; the scale is the block's d and MatMulNBits' zero point its default 8, which
 * is Q4_0 exactly; Q4_1's d·q + m becomes d·(q − 8) + (m + 8d), the offset m + 8d per block.
 */
export function q4Blocks(info: GgufTensorInfo, bytes: Uint8Array, n: number, k: number): QuantizedMatrix | undefined {
  if (!fitsMatMulNBits(info.type, k)) return undefined;
  const layout = blockLayout(info.type)!;
  const withMin = info.type === GgmlType.Q4_1;
  const count = n * (k / 32);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const packed = new Uint8Array(count * 16);
  const scales = new Float32Array(count);
  const offsets = withMin ? new Float32Array(count) : undefined;
  const codes = new Uint8Array(32);
  for (let b = 0; b < count; b++) {
    const at = b * layout.bytes;
    const d = halfBitsToFloat(view.getUint16(at, true));
    const quants = at + (withMin ? 4 : 2);
    for (let j = 0; j < 16; j++) {
      codes[j] = bytes[quants + j] & 0x0f;
      codes[j + 16] = bytes[quants + j] >> 4;
    }
    scales[b] = d;
    if (offsets) offsets[b] = halfBitsToFloat(view.getUint16(at + 2, true)) + 8 * d;
    for (let t = 0; t < 16; t++) packed[b * 16 + t] = codes[2 * t] | (codes[2 * t + 1] << 4);
  }
  return { n, k, bits: 4, blockSize: 32, packed, scales, offsets };
}

/**
 * A Q8_0 tensor's blocks in MatMulNBits' 8-bit layout, exactly: each block is d (float16) and 32
 * signed codes, value d · q; MatMulNBits stores the codes as unsigned bytes around its default
 * zero point 128, so q + 128, with d as the scale.
 */
export function q8Blocks(info: GgufTensorInfo, bytes: Uint8Array, n: number, k: number): QuantizedMatrix | undefined {
  if (info.type !== GgmlType.Q8_0 || k % 32 !== 0) return undefined;
  const count = n * (k / 32);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const packed = new Uint8Array(count * 32);
  const scales = new Float32Array(count);
  for (let b = 0; b < count; b++) {
    const at = b * 34;
    scales[b] = halfBitsToFloat(view.getUint16(at, true));
    for (let j = 0; j < 32; j++) packed[b * 32 + j] = (view.getInt8(at + 2 + j) + 128) & 0xff;
  }
  return { n, k, bits: 8, blockSize: 32, packed, scales };
}

/** Rows of a quantized `[n, k]` matrix reordered as `unpermuteRotaryRows` reorders float rows. */
function unpermuteQuantizedRows(m: QuantizedMatrix, heads: number): QuantizedMatrix {
  const blocks = m.k / m.blockSize;
  // Each row is its blocks: blockSize · bits / 8 packed bytes, a scale and an offset apiece.
  return {
    ...m,
    packed: unpermuteRotaryRows(m.packed, m.n, (blocks * m.blockSize * m.bits) / 8, heads),
    scales: unpermuteRotaryRows(m.scales, m.n, blocks, heads),
    offsets: m.offsets && unpermuteRotaryRows(m.offsets, m.n, blocks, heads),
  };
}

/** `floats` plus the GGUF's own blocks: 4-bit for each Q4_0/Q4_1 weight, 8-bit for each Q8_0 one, for the quantized graphs. */
export function ggufQuantizedWeights(file: GgufFile, config: ModelConfig, floats: WeightSource): WeightSource {
  const byHfName = new Map(file.tensors.flatMap((info) => {
    const name = hfTensorName(info.name, file.path);
    return name ? [[name, info] as const] : [];
  }));
  return {
    ...floats,
    quantized(name, bits, blockSize) {
      const info = byHfName.get(name);
      const [n, k] = info ? [...info.dims].reverse() : [0, 0];
      if (!info || blockSize !== 32 || k % 32 !== 0) return undefined;
      if (bits === 4 ? !fitsMatMulNBits(info.type, k) : info.type !== GgmlType.Q8_0) return undefined;
      const heads = rotaryHeads(name, config);
      return {
        hasOffsets: info.type === GgmlType.Q4_1,
        load: () => {
          const blocks = (bits === 4 ? q4Blocks : q8Blocks)(info, file.read(info), n, k)!;
          return heads > 0 ? unpermuteQuantizedRows(blocks, heads) : blocks;
        },
      };
    },
  };
}

/** Lets the event loop run (a Ctrl+C, a cancel request) between synchronous pieces of work. */
const yieldToEvents = () => new Promise((resolve) => setImmediate(resolve));

/** What writing the graphs of a model folder from a GGUF needs of the import options. */
type GraphOptions = Pick<GgufImportOptions, 'variants' | 'fused' | 'quantizeAgain' | 'onProgress' | 'signal'>;

/** Writes the ONNX variants (and fused graphs) of the folder `dir`, whose model.safetensors came from `file`. */
async function writeGraphs(dir: string, file: GgufFile, config: ModelConfig, options: GraphOptions): Promise<WrittenFile[]> {
  const wrap = options.quantizeAgain ? undefined : (floats: WeightSource) => ggufQuantizedWeights(file, config, floats);
  // Each graph is written in one synchronous call; a cancel is seen between graphs.
  const graphs: [string, () => WrittenFile[]][] = [];
  for (const variant of options.variants ?? ['fp32', 'q4']) {
    graphs.push([`the ${variant} graph`, () => writeOnnxVariant(dir, variant, wrap)]);
    if ((options.fused ?? true) && isFusedVariant(variant)) {
      for (const attention of FUSED_ATTENTIONS) graphs.push([`the fused ${variant} graph (${attention})`, () => writeFusedOnnxVariant(dir, variant, { attention }, wrap)]);
    }
  }
  const written: WrittenFile[] = [];
  for (const [what, write] of graphs) {
    await yieldToEvents();
    options.signal?.throwIfAborted();
    options.onProgress?.(`writing ${what}`);
    written.push(...write());
  }
  return written;
}

/**
 * Adds ONNX variants to a folder `importGguf` made from the same file: the graphs are written in
 * a sibling folder that hard-links the existing weights, and moved into `onnx/` only when all are
 * done, so a cancel leaves the folder as it was.
 */
export async function addGgufVariants(options: Omit<GgufImportOptions, 'outDir'> & { readonly modelDir: string }): Promise<WrittenFile[]> {
  const { modelDir } = options;
  const file = GgufFile.open(options.gguf);
  const partial = join(dirname(modelDir), `.${basename(modelDir)}.variants.partial-${process.pid}`);
  try {
    const config = llamaConfigFromGguf(file);
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true });
    for (const name of ['config.json', 'model.safetensors']) linkSync(join(modelDir, name), join(partial, name));
    const written = await writeGraphs(partial, file, config, options);
    await yieldToEvents();
    options.signal?.throwIfAborted();
    mkdirSync(join(modelDir, 'onnx'), { recursive: true });
    return written.map((w) => {
      const path = join(modelDir, w.path.slice(partial.length + 1));
      renameSync(w.path, path);
      return { ...w, path };
    });
  } finally {
    file.close();
    rmSync(partial, { recursive: true, force: true });
  }
}

/** Imports `options.gguf` into `options.outDir`; see the file header. Returns the files written. */
export async function importGguf(options: GgufImportOptions): Promise<WrittenFile[]> {
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
    let lastReport = start;
    const onTensor = (done: number, total: number) => {
      if (done < total && performance.now() - lastReport < 1000) return;
      lastReport = performance.now();
      report(`dequantized ${done}/${total} tensors`);
    };
    await writeSafetensorsAsync(weightsPath, tensors, 'F32', { format: 'pt', source: basename(options.gguf) }, { onTensor, signal });
    const written: WrittenFile[] = [{ path: weightsPath, bytes: statSync(weightsPath).size, seconds: (performance.now() - start) / 1000 }];
    written.push(...(await writeGraphs(partial, file, config, options)));
    await yieldToEvents();
    signal?.throwIfAborted();
    rmSync(outDir, { recursive: true, force: true });
    renameSync(partial, outDir);
    return written.map((w) => ({ ...w, path: join(outDir, w.path.slice(partial.length + 1)) }));
  } finally {
    file.close();
    rmSync(partial, { recursive: true, force: true });
  }
}
