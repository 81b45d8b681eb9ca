/**
 * @file The only module that touches onnxruntime-node. It loads the runtime lazily, with a
 * dynamic import, so that ORT_DISABLE_TELEMETRY is already set (see runtime/telemetry.ts) and so
 * that processes which never run a model never load the native library. It opens causal-LM
 * sessions with the hub's I/O convention and runs one forward step at a time. fusedSession.ts
 * runs the fused graphs on the runtime loaded here (`loadOrt`, `createSession`).
 */
import './telemetry';
import type * as OrtModule from 'onnxruntime-node';
import { fromHalfArray } from '../graph/half';
import { planOptimizedModel } from './optimizedModelCache';
import { int8ProductsClip } from './int8Products';
import { cudaProviderInstalled, providerCandidates, type ProviderName, type Device } from './providers';

/** An execution provider this build of onnxruntime-node knows. */
export interface ExecutionProviderInfo {
  readonly name: string;
  /** Whether the provider's libraries ship inside onnxruntime-node. */
  readonly bundled: boolean;
}

/** The onnxruntime-node module, as `loadOrt` returns it. */
export type Ort = typeof OrtModule;
type Tensor = OrtModule.Tensor;

let ort: Promise<Ort> | undefined;

/** Loads onnxruntime-node once per process. */
export function loadOrt(): Promise<Ort> {
  ort ??= import('onnxruntime-node');
  return ort;
}

/** ONNX Runtime's version and the execution providers this build of onnxruntime-node knows. */
export async function describeRuntime(): Promise<{ version: string; providers: ExecutionProviderInfo[] }> {
  const runtime = await loadOrt();
  return {
    version: runtime.env.versions.node ?? runtime.env.versions.common,
    providers: runtime.listSupportedBackends().map(({ name, bundled }) => ({ name, bundled })),
  };
}

export interface SessionOptions {
  readonly device: Device;
  /** Intra-op threads; 0 lets ONNX Runtime choose (one per physical core). */
  readonly threads: number;
  /** Folder for ONNX Runtime's optimised graphs (see optimizedModelCache.ts); unset: no cache. */
  readonly optimizedModelDir?: string;
  /** Outputs ONNX Runtime should leave in GPU memory when the session runs on WebGPU. */
  readonly deviceOutputs?: readonly string[];
  /**
   * 'lean': no CPU memory arena, no memory pattern and no weight prepacking. Training graphs
   * want this: a 135M LoRA step at 512 tokens peaked at 4.6 GB RSS with ONNX Runtime's
   * defaults, 2.8 GB without arena and pattern (the arena keeps every size it ever served; the
   * pattern plans one block for the whole backward pass), 2.1 GB without prepacking too (a
   * prepacked MatMul keeps a second, packed copy of its frozen weight; unpacked, MLAS packs per
   * call, which costs O(K·N) against the O(S·K·N) product). Inference keeps the defaults.
   */
  readonly memory?: 'default' | 'lean';
  /** With memory 'lean': keep ONNX Runtime's weight prepacking (faster MatMuls, a packed copy of each frozen weight). */
  readonly prepack?: boolean;
  /**
   * 'basic' stops at ONNX Runtime's basic graph rewrites. Float64 graphs need it: the extended
   * fusions match them too (x·sigmoid(x) becomes QuickGelu) and then find only float kernels.
   */
  readonly optimization?: 'all' | 'basic';
  /**
   * false: the intra-op threads sleep as soon as a run ends instead of spinning for the next one.
   * For a session that runs now and then beside another: its spinning threads took the cores
   * from the other session's run (a q4 token right after an int8 prompt chunk, 2 cores: 2-3x slower).
   */
  readonly spinning?: boolean;
  /** Set `session.x64quantprecision`; `createSession` sets it where int8 products clip (int8Products.ts). */
  readonly exactInt8?: boolean;
}

/** The KV cache of one sequence: `past_key_values.{i}.key|value` tensors, in input order. */
export interface KvState {
  readonly length: number;
  readonly tensors: readonly Tensor[];
}

/** What `step` returns: the next-token logits of the last position, and the grown cache. */
export interface StepOutput {
  readonly logits: Float32Array;
  readonly kv: KvState;
}

/** The model's cache geometry, read from the session's inputs. */
interface KvLayout {
  readonly names: readonly string[];
  readonly presentNames: readonly string[];
  readonly heads: number;
  readonly headDim: number;
  readonly type: 'float32' | 'float16';
}

function kvLayout(session: OrtModule.InferenceSession): KvLayout {
  const names = session.inputNames.filter((n) => n.startsWith('past_key_values.'));
  const first = session.inputMetadata.find((m) => m.name === names[0]);
  if (names.length === 0 || !first?.isTensor) throw new Error('the model has no past_key_values inputs; it cannot run with a KV cache');
  const [, heads, , headDim] = first.shape;
  if (typeof heads !== 'number' || typeof headDim !== 'number') {
    throw new Error(`past_key_values must have fixed head and head_dim sizes, got [${first.shape.join(', ')}]`);
  }
  if (first.type !== 'float32' && first.type !== 'float16') throw new Error(`unsupported KV cache type ${first.type}`);
  return { names, presentNames: names.map((n) => n.replace('past_key_values.', 'present.')), heads, headDim, type: first.type };
}

/**
 * Creates a session for `model` (a path or the model's bytes) on the first provider that works
 * for `options.device`, recording why earlier candidates were not used.
 */
export async function createSession(
  runtime: Ort,
  model: string | Uint8Array,
  options: SessionOptions,
): Promise<{ session: OrtModule.InferenceSession; provider: ProviderName; fallbacks: string[] }> {
  const label = typeof model === 'string' ? model : `an in-memory model (${model.byteLength} bytes)`;
  const fallbacks: string[] = [];
  const exactInt8 = options.exactInt8 ?? (await int8ProductsClip(runtime));
  for (const candidate of providerCandidates(options.device, process.platform, cudaProviderInstalled())) {
    if ('skipped' in candidate) {
      fallbacks.push(`${candidate.skipped}: ${candidate.reason}`);
      continue;
    }
    try {
      const sessionOptions: OrtModule.InferenceSession.SessionOptions = {
        executionProviders: [candidate.provider],
        graphOptimizationLevel: options.optimization ?? 'all',
        intraOpNumThreads: options.threads,
        ...(options.memory === 'lean' ? { enableCpuMemArena: false, enableMemPattern: false } : {}),
        ...sessionEntries({ ...options, exactInt8 }),
        // Per output: with every output on the GPU, reading the logits back aborts the process.
        ...(candidate.provider === 'webgpu' && options.deviceOutputs?.length
          ? { preferredOutputLocation: Object.fromEntries(options.deviceOutputs.map((name) => [name, 'gpu-buffer' as const])) }
          : {}),
      };
      const session =
        typeof model === 'string'
          ? await openCached(runtime, model, sessionOptions, options.optimizedModelDir, candidate.provider, exactInt8 ? 'x64quantprecision' : '')
          : await runtime.InferenceSession.create(model, sessionOptions);
      return { session, provider: candidate.provider, fallbacks };
    } catch (error) {
      const message = (error as Error).message;
      if (candidate.provider === 'cpu') {
        throw new Error(`ONNX Runtime could not load the model file ${label}: ${message}`, { cause: error });
      }
      fallbacks.push(`${candidate.provider}: ${message.split('\n')[0]}`);
    }
  }
  throw new Error(`no execution provider could load ${label}: ${fallbacks.join('; ')}`);
}

/** The `session.*` configuration entries `options` ask for, as onnxruntime-node's `extra`. */
export function sessionEntries(options: SessionOptions): Pick<OrtModule.InferenceSession.SessionOptions, 'extra'> {
  const session: Record<string, string> = {};
  // Where int8 products clip (int8Products.ts): int8 weights stored as u8, slower but exact.
  if (options.exactInt8) session.x64quantprecision = '1';
  if (options.memory === 'lean' && !options.prepack) session.disable_prepacking = '1';
  if (options.spinning === false) session['intra_op.allow_spinning'] = '0';
  return Object.keys(session).length > 0 ? { extra: { session } } : {};
}

/** `base` with `over` on top; their `extra.session` entries are merged, not replaced. */
export function mergeSessionOptions(
  base: OrtModule.InferenceSession.SessionOptions,
  over: OrtModule.InferenceSession.SessionOptions,
  session: Record<string, string> = {},
): OrtModule.InferenceSession.SessionOptions {
  const extra = (options: OrtModule.InferenceSession.SessionOptions) => (options.extra as { session?: Record<string, string> } | undefined)?.session ?? {};
  return { ...base, ...over, extra: { ...base.extra, ...over.extra, session: { ...extra(base), ...extra(over), ...session } } };
}

/**
 * Opens `path`, through the optimised-graph cache in `cacheDir` when one is given. On the CPU a
 * first use optimises and saves the graph in a session of its own, with weight prepacking off,
 * and then opens the saved graph: one session that optimises, saves and prepacks holds the
 * parsed file, its optimised copy and the packed weights at once (first load of the 135M int8
 * graph: 368 MB against 258 for the saving session alone and 195 for the saved graph).
 */
async function openCached(
  runtime: Ort,
  path: string,
  sessionOptions: OrtModule.InferenceSession.SessionOptions,
  cacheDir: string | undefined,
  provider: ProviderName,
  // Options that change the saved graph, so entries saved without them are not reused.
  variant: string,
): Promise<OrtModule.InferenceSession> {
  const plan = cacheDir === undefined ? undefined : planOptimizedModel(path, cacheDir, runtime.env.versions.common, provider, variant);
  if (!plan) return runtime.InferenceSession.create(path, sessionOptions);
  try {
    if (!plan.cached && provider === 'cpu') {
      await (await runtime.InferenceSession.create(plan.path, mergeSessionOptions(sessionOptions, plan.sessionOptions, { disable_prepacking: '1' }))).release();
      const session = await runtime.InferenceSession.create(plan.saved.path, mergeSessionOptions(sessionOptions, plan.saved.sessionOptions));
      plan.commit();
      return session;
    }
    const session = await runtime.InferenceSession.create(plan.path, mergeSessionOptions(sessionOptions, plan.sessionOptions));
    plan.commit();
    return session;
  } catch {
    // A stale cache entry or an unwritable cache folder must not stop the model from loading;
    // a broken model file fails again below with its own error.
    plan.discard();
    return runtime.InferenceSession.create(path, sessionOptions);
  }
}

/** A causal language model session stepped one chunk of tokens at a time. */
export class CausalLmSession {
  private constructor(
    private readonly runtime: Ort,
    private readonly session: OrtModule.InferenceSession,
    private readonly layout: KvLayout,
    /** The provider the session runs on. */
    readonly provider: ProviderName,
    /** Why earlier candidates were not used, one line each. */
    readonly fallbacks: readonly string[],
  ) {}

  /** Opens `modelPath` on the first provider that works for `options.device`. */
  static async open(modelPath: string, options: SessionOptions): Promise<CausalLmSession> {
    const runtime = await loadOrt();
    const { session, provider, fallbacks } = await createSession(runtime, modelPath, options);
    return new CausalLmSession(runtime, session, kvLayout(session), provider, fallbacks);
  }

  /** An empty cache for batch size 1. */
  emptyKv(): KvState {
    const empty = this.layout.type === 'float32' ? new Float32Array(0) : new Uint16Array(0);
    const dims = [1, this.layout.heads, 0, this.layout.headDim];
    return { length: 0, tensors: this.layout.names.map(() => new this.runtime.Tensor(this.layout.type, empty, dims)) };
  }

  /** Bytes held by a cache. */
  kvBytes(kv: KvState): number {
    return kv.tensors.reduce((sum, t) => sum + (t.data as ArrayLike<number> & { byteLength: number }).byteLength, 0);
  }

  /** The first `length` positions of a cache (for reusing a common prefix). */
  truncateKv(kv: KvState, length: number): KvState {
    if (length >= kv.length) return kv;
    const { heads, headDim } = this.layout;
    const tensors = kv.tensors.map((t) => {
      const data = t.data as Float32Array | Uint16Array;
      const out = new (data.constructor as Float32ArrayConstructor | Uint16ArrayConstructor)(heads * length * headDim);
      for (let h = 0; h < heads; h++) {
        out.set(data.subarray(h * kv.length * headDim, (h * kv.length + length) * headDim), h * length * headDim);
      }
      return new this.runtime.Tensor(this.layout.type, out, [1, heads, length, headDim]);
    });
    return { length, tensors };
  }

  /** Runs `ids` after the cached positions; returns the last position's logits. */
  async step(ids: readonly number[], kv: KvState): Promise<StepOutput> {
    const total = kv.length + ids.length;
    const out = await this.session.run(this.feeds(ids, kv));
    const logits = out.logits as Tensor;
    const vocab = logits.dims[2] as number;
    const last = (logits.dims[1] as number) - 1;
    const raw = logits.data as Float32Array | Uint16Array;
    const row =
      raw instanceof Float32Array
        ? raw.slice(last * vocab, (last + 1) * vocab)
        : fromHalfArray(raw.subarray(last * vocab, (last + 1) * vocab));
    return { logits: row, kv: { length: total, tensors: this.layout.presentNames.map((n) => out[n] as Tensor) } };
  }

  /**
   * Runs `ids` from an empty cache (positions 0 to n−1) and returns every position's logits,
   * row-major [n, vocab], as float32: what scoring text needs (perplexity, bits per byte). Only
   * `logits` is fetched, so the cache the run grew never leaves ONNX Runtime.
   */
  async allLogits(ids: readonly number[]): Promise<Float32Array> {
    const { logits } = await this.session.run(this.feeds(ids, this.emptyKv()), ['logits']);
    const raw = (logits as Tensor).data as Float32Array | Uint16Array;
    return raw instanceof Float32Array ? raw : fromHalfArray(raw);
  }

  /** The hub-convention inputs for `ids` after the cached positions of `kv`. */
  private feeds(ids: readonly number[], kv: KvState): Record<string, Tensor> {
    const { Tensor: T } = this.runtime;
    const total = kv.length + ids.length;
    const feeds: Record<string, Tensor> = {
      input_ids: new T('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]),
      attention_mask: new T('int64', new BigInt64Array(total).fill(1n), [1, total]),
      position_ids: new T('int64', BigInt64Array.from(ids, (_, i) => BigInt(kv.length + i)), [1, ids.length]),
    };
    this.layout.names.forEach((name, i) => (feeds[name] = kv.tensors[i] as Tensor));
    return feeds;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/** Element arrays `GraphSession` feeds: float32 and float64 values, int64 ids and labels. */
export type GraphArray = Float32Array | Float64Array | BigInt64Array;

/** One named input of `GraphSession.run`. */
export interface GraphFeed {
  readonly data: GraphArray;
  readonly dims: readonly number[];
}

function tensorType(data: GraphArray): 'float32' | 'float64' | 'int64' {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  return 'int64';
}

/**
 * A session over any graph with float inputs and outputs (the fine-tuning graphs: loss and
 * LoRA gradients). Feeds are plain typed arrays; outputs come back as Float32Array (or
 * Float64Array for double graphs), so no caller handles ORT tensors.
 */
export class GraphSession {
  private constructor(
    private readonly runtime: Ort,
    private readonly session: OrtModule.InferenceSession,
    /** The provider the session runs on. */
    readonly provider: ProviderName,
    /** Why earlier candidates were not used, one line each. */
    readonly fallbacks: readonly string[],
  ) {}

  /** Opens `model` (a path or the serialized ModelProto) on the first provider that works for `options.device`. */
  static async open(model: string | Uint8Array, options: SessionOptions): Promise<GraphSession> {
    const runtime = await loadOrt();
    const { session, provider, fallbacks } = await createSession(runtime, model, options);
    return new GraphSession(runtime, session, provider, fallbacks);
  }

  /** The graph's output names. */
  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /** Runs the graph; returns `outputs` (default: all outputs) by name. */
  async run(feeds: Record<string, GraphFeed>, outputs?: readonly string[]): Promise<Record<string, Float32Array | Float64Array>> {
    const tensors: Record<string, Tensor> = {};
    for (const [name, feed] of Object.entries(feeds)) tensors[name] = new this.runtime.Tensor(tensorType(feed.data), feed.data, [...feed.dims]);
    const out = outputs ? await this.session.run(tensors, [...outputs]) : await this.session.run(tensors);
    const result: Record<string, Float32Array | Float64Array> = {};
    for (const [name, tensor] of Object.entries(out)) {
      const data = tensor.data;
      if (!(data instanceof Float32Array || data instanceof Float64Array)) throw new Error(`output ${name} is ${tensor.type}, not float32 or float64`);
      result[name] = data;
    }
    return result;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
