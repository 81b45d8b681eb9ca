/**
 * @file Runs the fused graphs (model/llamaFused.ts) with a lean step: each sequence owns
 * preallocated KV buffers, float32 or 8-bit as the graph declares them (kvRows.ts has both
 * layouts), fed as `past_key_values.*` (ORT wraps them without a copy). The step fetches only
 * the logits row and the new positions' `new_key_values`, which are written into the buffers
 * here (an 8-bit row rounded on the way): fetching `present.*` would make
 * the onnxruntime-node binding copy the whole cache into fresh JavaScript buffers on every token,
 * which cost more than the step itself and kept the garbage collector busy. Truncating a cache
 * for prefix reuse is free: only the length changes.
 *
 * A second session may run prompt chunks into the same buffers (`open`'s `promptGraph`): the
 * model in int8, whose prompts run several times faster than q4's. A prompt graph (no logits,
 * model/llamaFused.ts `promptOnly`) runs every chunk but the last whole and the last one but its
 * final token, which the decode graph runs for the logits; its threads sleep between runs, as
 * spinning ones took the cores from the decode graph's next token.
 *
 * With a native decoder (`useNativeDecoder`, nativeDecoder.ts) every step goes through our own C
 * on the same 8-bit buffers instead, prompt chunks included where its kernel runs them
 * (`NativeDecoder.runsPrompts`); otherwise steps of up to `NATIVE_STEP` tokens, and the last
 * token of a chunk a prompt graph runs.
 *
 * The runtime comes from session.ts's `loadOrt`, which stays the one place that loads
 * onnxruntime-node; this file only builds tensors and calls `run` on it.
 */
import type * as OrtModule from 'onnxruntime-node';
import { DeviceKvSession } from './deviceKvSession';
import { OnesMask } from './attentionMask';
import { KV_BLOCK, kvCapacityFor, kvNeedsRealloc } from './kvCapacity';
import { allocateKvBuffer, appendKvRows, copyKvPositions, kvBufferBytes, kvDims, type KvBuffer, type KvGeometry } from './kvRows';
import type { ProviderName } from './providers';
import type { KvCacheType } from '../model/configTypes';
import type { NativeDecoder } from './nativeDecoder';
import { createSession, loadOrt, type Ort, type SessionOptions } from './session';

type Tensor = OrtModule.Tensor;

/**
 * Steps of at most this many tokens skip a prompt graph (one without logits), which would need a
 * second run for the last token. 135M, 1500 cached positions, 2 cores, medians in ms for n new
 * tokens, the int8 prompt graph's n - 1 plus the q4 graph's last against the q4 graph alone:
 * n = 2: 22 / 13, 8: 29 / 20, 16: 34-36 / 24-31, 32: 43 / 42, 48: 53 / 56, 64: 65 / 68.
 */
const SHORT_STEP = 32;

/**
 * Steps of at most this many tokens run through a native decoder whose kernel runs no prompt
 * chunks (`NativeDecoder.runsPrompts`): plain C's several-token step computes every token in
 * full, while the graph's few-token branch multiplies them as one matrix.
 */
const NATIVE_STEP = 4;

/** A fused-graph cache: buffers of `capacity` positions, the first `length` of them valid. */
export interface FusedKv {
  readonly length: number;
  readonly capacity: number;
  /** `past_key_values.{i}.key|value` buffers in input order (kvRows.ts gives their layout per cache type). */
  readonly buffers: readonly KvBuffer[];
  /** This sequence's logits row `[1, 1, vocab]`, rewritten by every step. */
  readonly logits: Tensor;
  /** Feeds and fetches naming these buffers, built once per allocation rather than per step. */
  readonly io: { readonly feeds: Record<string, Tensor>; readonly fetches: Record<string, Tensor | null> };
}

/** What `step` returns; `logits` is the sequence's own buffer, valid until its next step. */
export interface FusedStepOutput {
  readonly logits: Float32Array;
  readonly kv: FusedKv;
}

interface Layout extends KvGeometry {
  /** `past_key_values.{i}.key|value`, in input order (an 8-bit cache adds `….key_scale|value_scale` for each). */
  readonly pastNames: readonly string[];
  /** Logits row width; 0 for a prompt graph, which has no logits (llamaFused.ts, `promptOnly`). */
  readonly vocab: number;
  /** The graph has `present.*` outputs (GQA attention), which WebGPU keeps in GPU memory. */
  readonly hasPresent: boolean;
}

function readLayout(session: OrtModule.InferenceSession): Layout {
  const pastNames = session.inputNames.filter((n) => /^past_key_values\.\d+\.(key|value)$/.test(n));
  const first = session.inputMetadata.find((m) => m.name === pastNames[0]);
  const logits = session.outputMetadata.find((m) => m.name === 'logits');
  for (const input of ['input_ids', 'attention_mask', 'num_logits_to_keep']) {
    if (!session.inputNames.includes(input)) throw new Error(`not a fused SmolCode graph: no "${input}" input (inputs: ${session.inputNames.join(', ')})`);
  }
  if (!first?.isTensor || (first.type !== 'float32' && first.type !== 'int8') || (logits !== undefined && !logits.isTensor)) {
    throw new Error('not a fused SmolCode graph: float32 or int8 past_key_values and float32 logits expected');
  }
  const type = first.type;
  // An 8-bit cache's keys are transposed, [batch, kvHeads, headDim, capacity] (kvRows.ts).
  const [, heads, dim2, dim3] = first.shape;
  const headDim = type === 'int8' ? dim2 : dim3;
  const vocab = logits?.isTensor ? logits.shape[2] : 0;
  if (typeof heads !== 'number' || typeof headDim !== 'number' || typeof vocab !== 'number') {
    throw new Error(`fused graph needs fixed head, head_dim and vocab sizes, got past [${first.shape.join(', ')}], logits [${logits?.isTensor ? logits.shape.join(', ') : ''}]`);
  }
  if (!session.outputNames.includes('new_key_values')) throw new Error('not a fused SmolCode graph of this version: no "new_key_values" output; regenerate it with make-model --fused');
  if (type === 'int8' && !session.inputNames.includes('past_key_values.0.key_scale')) throw new Error('not a fused SmolCode graph: an int8 cache without scales');
  return { type, pastNames, heads, headDim, vocab, hasPresent: session.outputNames.includes('present.0.key') };
}

/** A session over a fused graph; see the file header. Same surface as `CausalLmSession`. */
export class FusedLmSession {
  /** Caches are written in place by `step`, so one cache must never serve two sequences at once. */
  readonly mutableKv = true;
  private readonly ones = new OnesMask();
  private readonly keepOne: Tensor;
  private native?: NativeDecoder;

  private constructor(
    private readonly runtime: Ort,
    /** Undefined between `releaseGraph` and `restoreGraph`, while the native decoder takes every step. */
    private session: OrtModule.InferenceSession | undefined,
    /** Opens this graph's session again (`restoreGraph`). */
    private readonly reopen: () => Promise<OrtModule.InferenceSession>,
    private readonly layout: Layout,
    /** Most positions a cache may hold (the model's context length). */
    readonly maxPositions: number,
    readonly provider: ProviderName,
    readonly fallbacks: readonly string[],
    /**
     * Runs steps of more than one token (prompt chunks) when set: the same model in another
     * weight format. Without `logits` (a prompt graph) it runs all but a chunk's last token, and
     * this session the last one; steps of at most `SHORT_STEP` tokens run here whole.
     */
    private prompt?: { readonly session: OrtModule.InferenceSession; readonly logits: boolean },
  ) {
    this.keepOne = new runtime.Tensor('int64', BigInt64Array.of(1n), []);
  }

  /**
   * Opens the fused graph `modelPath` of a model with `layers` layers; `maxPositions` bounds cache
   * growth (config.json's max_position_embeddings). On WebGPU the cache stays in GPU memory
   * instead (deviceKvSession.ts). With `promptGraph` (the same model's fused graph in another
   * weight format, CPU only; or a function from this graph's cache type to its path), steps of
   * more than one token run through that graph and single tokens through `modelPath`'s, on the
   * same caches: int8 weights run prompt chunks on MLAS's u8·s8 GEMM several times faster than
   * 4-bit blocks, while 4-bit blocks decode one token as fast and hold half the memory.
   */
  static async open(
    modelPath: string,
    options: SessionOptions,
    maxPositions: number,
    layers: number,
    promptGraph?: string | ((cache: KvCacheType) => string | undefined),
  ): Promise<FusedLmSession | DeviceKvSession> {
    const runtime = await loadOrt();
    const deviceOutputs = Array.from({ length: layers }, (_, i) => [`present.${i}.key`, `present.${i}.value`]).flat();
    const { session, provider, fallbacks } = await createSession(runtime, modelPath, { ...options, deviceOutputs });
    const reopen = async () => (await createSession(runtime, modelPath, { ...options, device: provider, deviceOutputs })).session;
    let prompt: OrtModule.InferenceSession | undefined;
    try {
      const layout = readLayout(session);
      if (layout.vocab === 0) throw new Error('a prompt graph (no logits) cannot run alone; open it as the prompt graph of a decode graph');
      if (layout.pastNames.length !== 2 * layers) {
        throw new Error(`the graph has ${layout.pastNames.length / 2} layers, but config.json's num_hidden_layers is ${layers}`);
      }
      if (provider === 'webgpu' && layout.hasPresent) return new DeviceKvSession(runtime, session, layout, provider, fallbacks);
      // A function picks the prompt graph once the cache type is known: it must write this graph's cache.
      const promptModelPath = provider === 'cpu' && typeof promptGraph === 'function' ? promptGraph(layout.type) : promptGraph;
      if (typeof promptModelPath === 'string' && provider === 'cpu') {
        prompt = (await createSession(runtime, promptModelPath, { ...options, device: 'cpu', spinning: false })).session;
        const other = readLayout(prompt);
        const caches = (l: Layout) => JSON.stringify([l.type, l.pastNames, l.heads, l.headDim]);
        // A prompt graph has no logits (vocab 0); a whole graph's must match.
        if (caches(other) !== caches(layout) || (other.vocab !== 0 && other.vocab !== layout.vocab)) {
          throw new Error(`the prompt graph ${promptModelPath} does not match: its caches or logits differ`);
        }
        return new FusedLmSession(runtime, session, reopen, layout, maxPositions, provider, fallbacks, { session: prompt, logits: other.vocab > 0 });
      }
      return new FusedLmSession(runtime, session, reopen, layout, maxPositions, provider, fallbacks);
    } catch (error) {
      await session.release();
      await prompt?.release();
      throw new Error(`${modelPath}: ${(error as Error).message}`, { cause: error });
    }
  }

  /**
   * Runs short steps through `decoder` from now on (the same model's weights, nativeDecoder.ts);
   * returns why not instead when its shape or cache type does not fit this graph's.
   */
  useNativeDecoder(decoder: NativeDecoder): string | undefined {
    const ordered = this.layout.pastNames.every((name, i) => name === `past_key_values.${i >> 1}.${i % 2 === 0 ? 'key' : 'value'}`);
    const problem =
      this.provider !== 'cpu' ? `the graph runs on ${this.provider}`
      : !ordered ? 'the graph lists its caches in another order'
      : decoder.mismatch(this.layout, this.layout.pastNames.length / 2, this.layout.vocab);
    if (problem === undefined) this.native = decoder;
    return problem;
  }

  /**
   * Frees ONNX Runtime's sessions, and with them its copy of the weights, for a native decoder
   * that takes every step (`NativeDecoder.runsPrompts`): the memory then holds one copy of the
   * model, as llama.cpp's does. Freed before that decoder loads, the peak holds one copy too.
   * Until `useNativeDecoder` attaches one, or `restoreGraph` reopens the graph, steps throw.
   */
  async releaseGraph(): Promise<void> {
    const { session, prompt } = this;
    this.session = undefined;
    this.prompt = undefined;
    await session?.release();
    await prompt?.session.release();
  }

  /** Opens ONNX Runtime's session again after `releaseGraph` (its prompt graph stays closed). */
  async restoreGraph(): Promise<void> {
    this.session ??= await this.reopen();
  }

  /** Whether ONNX Runtime's session is open (see `releaseGraph`). */
  get graphOpen(): boolean {
    return this.session !== undefined;
  }

  /** The native decoder short steps run through, if any. */
  get nativeDecoder(): NativeDecoder | undefined {
    return this.native;
  }

  /** Whether prompt chunks run through a graph of their own (`open`'s `promptGraph`). */
  get pairedPromptGraph(): boolean {
    return this.prompt !== undefined;
  }

  /**
   * An empty cache with room for at least `capacity` positions, rounded up to a whole block as
   * `reserveKv` rounds: sized exactly, the first keystroke after a prompt (one position more)
   * reallocated and copied the whole cache (1.7B at 1500 positions: 590 MB, 307 ms).
   */
  emptyKv(capacity = KV_BLOCK): FusedKv {
    const { vocab } = this.layout;
    const logits = new this.runtime.Tensor('float32', new Float32Array(vocab), [1, 1, vocab]);
    return this.withBuffers(0, kvCapacityFor(Math.min(Math.max(capacity, 1), this.maxPositions), this.maxPositions), logits);
  }

  private withBuffers(length: number, capacity: number, logits: Tensor): FusedKv {
    const { pastNames } = this.layout;
    const buffers = pastNames.map(() => allocateKvBuffer(this.layout, capacity));
    const feeds: Record<string, Tensor> = { num_logits_to_keep: this.keepOne };
    const fetches: Record<string, Tensor | null> = { logits, new_key_values: null };
    buffers.forEach((buffer, i) => {
      const name = pastNames[i];
      const dims = kvDims(this.layout, capacity, name.endsWith('.key'));
      feeds[name] = buffer.data instanceof Float32Array ? new this.runtime.Tensor('float32', buffer.data, dims.data) : new this.runtime.Tensor('int8', buffer.data, dims.data);
      if (buffer.scales) feeds[`${name}_scale`] = new this.runtime.Tensor('float32', buffer.scales, dims.scales);
    });
    return { length, capacity, buffers, logits, io: { feeds, fetches } };
  }

  /** The layout of this session's caches (kvRows.ts). */
  get kvGeometry(): KvGeometry {
    return this.layout;
  }

  /** Whether `pastNames[index]` holds keys (the others hold values). */
  isKeyBuffer(index: number): boolean {
    return this.layout.pastNames[index].endsWith('.key');
  }

  /** Bytes held by a cache (its whole capacity). */
  kvBytes(kv: FusedKv): number {
    return kv.buffers.length * kvBufferBytes(this.layout, kv.capacity) + this.layout.vocab * 4;
  }

  /** The first `length` positions: the same buffers, a shorter valid length. */
  truncateKv(kv: FusedKv, length: number): FusedKv {
    return length >= kv.length ? kv : { ...kv, length };
  }

  /**
   * `kv` sized for `length` positions: copied into new buffers when it has too little room or
   * much more than needed (attention time grows with capacity; see kvCapacity.ts).
   */
  reserveKv(kv: FusedKv, length: number): FusedKv {
    if (length > this.maxPositions) throw new RangeError(`${length} positions exceed the model's context of ${this.maxPositions}`);
    if (!kvNeedsRealloc(kv.capacity, Math.max(length, kv.length), this.maxPositions)) return kv;
    const grown = this.withBuffers(kv.length, kvCapacityFor(Math.max(length, kv.length), this.maxPositions), kv.logits);
    kv.buffers.forEach((old, i) => copyKvPositions(this.layout, old, kv.capacity, grown.buffers[i], grown.capacity, this.isKeyBuffer(i), kv.length));
    return grown;
  }

  /**
   * Runs `ids` after the cached positions and appends their keys and values; returns the last
   * position's logits. `logits: false` says the caller will not read them (a prompt chunk with
   * more to follow), so a prompt graph without logits runs the whole chunk.
   */
  async step(ids: readonly number[], kv: FusedKv, logits = true): Promise<FusedStepOutput> {
    const total = kv.length + ids.length;
    // Only grow here (by whole blocks); the engine sizes the cache per request with reserveKv.
    const state = total > kv.capacity ? this.reserveKv(kv, total) : kv;
    const prompt = ids.length > 1 ? this.prompt : undefined;
    const native = this.native;
    if (native && (ids.length <= NATIVE_STEP || native.runsPrompts || this.session === undefined)) native.step(ids, kv.length, state.buffers, state.capacity, state.logits.data as Float32Array);
    else if (native && prompt && logits && ids.length > SHORT_STEP) {
      await this.run(prompt.session, ids.slice(0, -1), state, kv.length, { new_key_values: null });
      native.step(ids.slice(-1), total - 1, state.buffers, state.capacity, state.logits.data as Float32Array);
    } else if (prompt?.logits) await this.run(prompt.session, ids, state, kv.length, state.io.fetches);
    else if (prompt && !logits) await this.run(prompt.session, ids, state, kv.length, { new_key_values: null });
    else if (prompt && ids.length > SHORT_STEP) {
      await this.run(prompt.session, ids.slice(0, -1), state, kv.length, { new_key_values: null });
      await this.run(this.graph(), ids.slice(-1), state, total - 1, state.io.fetches);
    } else await this.run(this.graph(), ids, state, kv.length, state.io.fetches);
    return { logits: state.logits.data as Float32Array, kv: { ...state, length: total } };
  }

  private graph(): OrtModule.InferenceSession {
    if (this.session === undefined) throw new Error('ONNX Runtime\'s session was released for the native decoder; restoreGraph() opens it again');
    return this.session;
  }

  /** One run of `session` on `ids` after `length` cached positions of `state`, their rows appended to its buffers. */
  private async run(session: OrtModule.InferenceSession, ids: readonly number[], state: FusedKv, length: number, fetches: Record<string, Tensor | null>): Promise<void> {
    const { Tensor: T } = this.runtime;
    const { feeds } = state.io;
    const total = length + ids.length;
    feeds.input_ids = new T('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]);
    feeds.attention_mask = new T('int64', this.ones.prefix(total), [1, total]);
    const out = await session.run(feeds, fetches);
    // [pasts, S, heads · headDim], in the order of past_key_values.*, into each buffer at
    // positions [length, total).
    const rows = out.new_key_values.data as Float32Array;
    const perCache = ids.length * this.layout.heads * this.layout.headDim;
    state.buffers.forEach((buffer, i) => {
      appendKvRows(this.layout, buffer, state.capacity, this.isKeyBuffer(i), rows, i * perCache, ids.length, length);
    });
  }

  async dispose(): Promise<void> {
    this.native?.release();
    await this.session?.release();
    await this.prompt?.session.release();
  }
}
