/**
 * @file The native decode step: one token through a q4 model's 4-bit blocks and the fused
 * graph's 8-bit KV cache in our own C (native/smolstep, a Node-API addon that
 * scripts/build-native.mjs compiles into `dist/native/`). ONNX Runtime's single-token step pays
 * for a kernel per node and for reading float32 block scales; this one reads Q4_0's 4.5 bits per
 * weight and fuses each layer into a handful of threaded passes (README "Native decode step").
 * Prompt chunks run through it too where its lane kernels run (AVX2 and up), writing the same
 * cache buffers ONNX Runtime's graph reads.
 *
 * Where the addon is missing (no compiler at build time, a platform not built yet) or the
 * model is not one it runs, `openNativeDecoder` says why and the engine keeps ORT's step.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { nativeAddonFromEnv, processEnv, type Env } from '../env';
import { readModelConfig, type ModelConfig } from '../model/config';
import { moduleDir, projectRoot } from '../model/moduleLocation';
import { q4DecodeProblem, q4Head, q4Layer } from '../model/q4DecodeWeights';
import { withRecoveredBlocks } from '../model/recoveredBlocks';
import { safetensorsSource } from '../model/weights';
import { SafetensorsFile } from '../graph/safetensors';
import type { QuantizedMatrix } from '../graph/quantize';
import type { KvBuffer, KvGeometry } from './kvRows';
import { tempPath } from './leftovers';

type Handle = object;
type Matrix = Pick<QuantizedMatrix, 'n' | 'k' | 'packed' | 'scales' | 'offsets'>;

/** The addon's functions (native/smolstep/binding.c). */
interface SmolstepAddon {
  create(config: NativeShape, threads: number): Handle;
  setLayer(model: Handle, i: number, inputNorm: Float32Array, postNorm: Float32Array, qkv: Matrix, o: Matrix, gateUp: Matrix, down: Matrix): void;
  setHead(model: Handle, finalNorm: Float32Array, head: Matrix): void;
  setTable8(model: Handle, table: Matrix): void;
  step(model: Handle, tokens: Int32Array, position: number, caches: readonly (Int8Array | Float32Array)[], capacity: number, logits: Float32Array): void;
  save(model: Handle, path: string): void;
  load(path: string, config: NativeShape, threads: number): Handle;
  info(model: Handle): { kernel: string; weightBytes: number; threads: number };
  kernel(): string;
  useKernel(name: string): boolean;
  release(model: Handle): void;
}

interface NativeShape {
  readonly hidden: number;
  readonly intermediate: number;
  readonly layers: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly vocab: number;
  readonly eps: number;
  readonly ropeTheta: number;
}

/** File name of this platform's addon. */
export function nativeAddonName(platform: string = process.platform, arch: string = process.arch): string {
  return `smolstep-${platform}-${arch}.node`;
}

/** Where the addon may be: `$SMOLCODE_NATIVE_ADDON`, `native/` beside the bundle, or the build's `dist/native/` from source. */
export function nativeAddonCandidates(env: Env = processEnv(), from = moduleDir()): string[] {
  const explicit = nativeAddonFromEnv(env);
  if (explicit) return [resolve(explicit)];
  if (from === undefined) return [];
  return [join(from, 'native', nativeAddonName()), join(projectRoot(from), 'dist', 'native', nativeAddonName())];
}

let loaded: { addon: SmolstepAddon } | { reason: string } | undefined;

/** The addon, or why there is none; loaded once per process. */
export function loadNativeAddon(): { addon: SmolstepAddon } | { reason: string } {
  if (loaded) return loaded;
  const candidates = nativeAddonCandidates();
  const path = candidates.find((p) => existsSync(p));
  if (!path) {
    loaded = { reason: `no native decoder for ${process.platform}-${process.arch} (looked for ${candidates.join(', ') || nativeAddonName()}; npm run build compiles it where a C compiler is installed)` };
    return loaded;
  }
  try {
    loaded = { addon: createRequire(path)(path) as SmolstepAddon };
  } catch (error) {
    loaded = { reason: `the native decoder ${path} does not load: ${(error as Error).message.split('\n')[0]}` };
  }
  return loaded;
}

/**
 * Threads for `threads` as ONNX Runtime reads it: 0 means one per physical core (Linux's CPU
 * topology, counting SMT siblings once; elsewhere every logical CPU).
 */
export function nativeThreads(threads: number, cpuDir = '/sys/devices/system/cpu'): number {
  if (threads >= 1) return Math.floor(threads);
  try {
    const cores = new Set<string>();
    for (const name of readdirSync(cpuDir)) {
      if (!/^cpu\d+$/.test(name)) continue;
      const topology = join(cpuDir, name, 'topology');
      cores.add(`${readFileSync(join(topology, 'physical_package_id'), 'utf8').trim()}:${readFileSync(join(topology, 'core_id'), 'utf8').trim()}`);
    }
    if (cores.size > 0) return cores.size;
  } catch {
    // No topology to read (not Linux, or a sandbox hiding /sys): count logical CPUs.
  }
  return availableParallelism();
}

/**
 * Whether `EngineOptions.nativeDecode` (`option`) asks for the native step. Unset (`auto`), it
 * does where the addon's kernel is vectorized (`vectorKernel`, AVX2 and up): there every step,
 * prompt chunks included, runs natively and ONNX Runtime's copy of the weights is freed; the
 * speed bench measured decoding 1.15-3.5x and prefill 1.5-1.9x llama.cpp's at 135M, 360M and
 * 1.7B, in less memory than ONNX Runtime alone (README "The native step"). Plain C stays off.
 */
export function wantsNativeDecode(option: boolean | undefined, vectorKernel: boolean): boolean {
  return option ?? vectorKernel;
}

/** Most tokens one call into the addon runs (native/smolstep/step.h `SC_MAX_TOKENS`); `step` splits longer runs. */
export const NATIVE_MAX_TOKENS = 1024;

/** The native kernels, best first; `useNativeKernel` picks one for the whole process. */
export const NATIVE_KERNELS = ['avx512-vnni', 'avx2', 'scalar'] as const;

/**
 * Runs `kernel` from now on in every native decoder of this process (tests compare the
 * kernels a processor has); false when this processor cannot run it or there is no addon.
 */
export function useNativeKernel(kernel: (typeof NATIVE_KERNELS)[number]): boolean {
  const available = loadNativeAddon();
  return 'addon' in available && available.addon.useKernel(kernel);
}

/**
 * Whether native decoders opened now would run prompt chunks too (`NativeDecoder.runsPrompts`):
 * the addon loads and its kernel is not plain C.
 */
export function nativeRunsPrompts(): boolean {
  const available = loadNativeAddon();
  return 'addon' in available && available.addon.kernel() !== 'scalar';
}

/**
 * Why `modelDir` cannot load into the native step, or undefined: no model.safetensors (an
 * adapter merged into the graphs alone), or a model shape it does not run. Cheap, so the engine
 * asks before it closes ONNX Runtime's session for the native step.
 */
export function nativeModelProblem(modelDir: string, config?: ModelConfig): string | undefined {
  if (!existsSync(join(modelDir, 'model.safetensors'))) return `${modelDir} has no model.safetensors to load the native decoder from`;
  const problem = q4DecodeProblem(config ?? readModelConfig(join(modelDir, 'config.json')));
  return problem ? `the native decoder does not run this model: ${problem}` : undefined;
}

function nativeShape(c: ModelConfig): NativeShape {
  return {
    hidden: c.hiddenSize,
    intermediate: c.intermediateSize,
    layers: c.numHiddenLayers,
    heads: c.numAttentionHeads,
    kvHeads: c.numKeyValueHeads,
    headDim: c.headDim,
    vocab: c.vocabSize,
    eps: c.rmsNormEps,
    ropeTheta: c.ropeTheta,
  };
}

/** Bumped when what a weights file holds changes, so older files are rebuilt. */
const WEIGHTS_FILE_VERSION = 1;
const WEIGHTS_FILE = /^native-q4-[0-9a-f]{16}\.smolstep$/;

/**
 * The weights file for `modelDir`'s current model.safetensors and config.json in `cacheDir`:
 * another checkpoint (or a changed one) gets another name.
 */
function weightsFilePath(modelDir: string, cacheDir: string): string {
  const stat = statSync(join(modelDir, 'model.safetensors'));
  const key = createHash('sha256')
    .update(JSON.stringify([WEIGHTS_FILE_VERSION, stat.size, stat.mtimeMs, readFileSync(join(modelDir, 'config.json'), 'utf8')]))
    .digest('hex')
    .slice(0, 16);
  return join(cacheDir, `native-q4-${key}.smolstep`);
}

/** Saves the loaded weights for the next load; a cache, so failing to write it only costs time then. */
function saveWeightsFile(addon: SmolstepAddon, handle: Handle, path: string): void {
  const partial = tempPath(path);
  try {
    mkdirSync(dirname(path), { recursive: true });
    addon.save(handle, partial);
    renameSync(partial, path);
    for (const name of readdirSync(dirname(path))) {
      if (WEIGHTS_FILE.test(name) && join(dirname(path), name) !== path) rmSync(join(dirname(path), name), { force: true });
    }
  } catch {
    rmSync(partial, { force: true });
  }
}

/** A model's weights in the native step, ready to run tokens against caches the caller owns. */
export class NativeDecoder {
  private released = false;

  private constructor(
    private readonly addon: SmolstepAddon,
    private readonly handle: Handle,
    readonly config: ModelConfig,
    /** The addon's kernel on this processor (`avx512-vnni`, `avx2`, `scalar`). */
    readonly kernel: string,
    /** Bytes of weights the native step holds (its own copy, in Q4_0-sized blocks). */
    readonly weightBytes: number,
  ) {}

  /**
   * Loads `modelDir`'s weights (config.json and model.safetensors) into the native step with
   * `threads` threads. With `cacheDir` the blocks are saved there on the first load and read back
   * on later ones (reading and quantizing a checkpoint takes seconds; the file, milliseconds).
   * Throws saying why when the addon or the folder cannot serve.
   */
  static open(modelDir: string, threads: number, cacheDir?: string): NativeDecoder {
    const available = loadNativeAddon();
    if ('reason' in available) throw new Error(available.reason);
    const problem = nativeModelProblem(modelDir);
    if (problem) throw new Error(problem);
    const weightsPath = join(modelDir, 'model.safetensors');
    const config = readModelConfig(join(modelDir, 'config.json'));
    const { addon } = available;
    const count = Math.min(256, nativeThreads(threads));
    const cached = cacheDir ? weightsFilePath(modelDir, cacheDir) : undefined;
    if (cached && existsSync(cached)) {
      try {
        const handle = addon.load(cached, nativeShape(config), count);
        const info = addon.info(handle);
        return new NativeDecoder(addon, handle, config, info.kernel, info.weightBytes);
      } catch {
        // A truncated or foreign file is rebuilt below.
        rmSync(cached, { force: true });
      }
    }
    const file = SafetensorsFile.open(weightsPath);
    let handle: Handle | undefined;
    try {
      const weights = withRecoveredBlocks(safetensorsSource(file), 'model.layers.0.self_attn.q_proj.weight');
      handle = addon.create(nativeShape(config), count);
      for (let i = 0; i < config.numHiddenLayers; i++) {
        const l = q4Layer(config, weights, i);
        addon.setLayer(handle, i, l.inputNorm, l.postNorm, l.qkv, l.o, l.gateUp, l.down);
      }
      const head = q4Head(config, weights);
      addon.setHead(handle, head.finalNorm, head.head);
      if (head.table8) addon.setTable8(handle, head.table8);
      if (cached) saveWeightsFile(addon, handle, cached);
      const info = addon.info(handle);
      return new NativeDecoder(addon, handle, config, info.kernel, info.weightBytes);
    } catch (error) {
      if (handle) addon.release(handle);
      throw error;
    } finally {
      file.close();
    }
  }

  /**
   * Whether prompt chunks run here too. Steps of more than 4 tokens go through the lane kernels
   * (native/smolstep/lanes.h), which read each weight once for all tokens; their plain-C form,
   * for processors without AVX2, is slower than ONNX Runtime's prompt graphs.
   */
  get runsPrompts(): boolean {
    return this.kernel !== 'scalar';
  }

  /** Why this decoder cannot run caches of `geometry` with `layers` layers and `vocab` logits, or undefined. */
  mismatch(geometry: KvGeometry, layers: number, vocab: number): string | undefined {
    const c = this.config;
    if (geometry.type !== 'int8') return 'the native decoder reads 8-bit KV caches only';
    if (geometry.heads !== c.numKeyValueHeads || geometry.headDim !== c.headDim || layers !== c.numHiddenLayers || vocab !== c.vocabSize) {
      return 'the graph and model.safetensors disagree on the model shape';
    }
    return undefined;
  }

  /**
   * Runs `tokens` at positions from `position`: appends their keys and values to `buffers` (per
   * layer key then value, 8-bit, `capacity` positions) and writes the last one's logits into
   * `logits`. Several tokens read each weight once.
   */
  step(tokens: readonly number[], position: number, buffers: readonly KvBuffer[], capacity: number, logits: Float32Array): void {
    if (this.released) throw new Error('the native decoder was released');
    const caches: (Int8Array | Float32Array)[] = [];
    for (const b of buffers) {
      if (!(b.data instanceof Int8Array) || !b.scales) throw new Error('the native decoder reads 8-bit KV caches only');
      caches.push(b.data, b.scales);
    }
    // At least one call, so that an empty step meets the addon's own message.
    let i = 0;
    do {
      this.addon.step(this.handle, Int32Array.from(tokens.slice(i, i + NATIVE_MAX_TOKENS)), position + i, caches, capacity, logits);
      i += NATIVE_MAX_TOKENS;
    } while (i < tokens.length);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.addon.release(this.handle);
  }
}
