/**
 * @file The generation engine: tokenises, runs the ONNX session step by step with a KV cache
 * it owns (reused across requests per slot), samples, detokenises incrementally and applies
 * stop rules. One forward step runs at a time; requests on different slots interleave.
 */
import { basename, dirname, join } from 'node:path';
import { FUSED_ATTENTIONS, type Dtype, type FusedAttention, type KvCacheType } from '../model/configTypes';
import { IncrementalDetokenizer } from './generation/detokenizer';
import { Sampler, type SamplingOptions } from './generation/sampler';
import { TextStopper } from './generation/stopping';
import { FusedLmSession } from './fusedSession';
import { commonPrefixLength, KvSlots, reusableLength, type PromptLogits } from './kvSlots';
import { DeviceKvSession } from './deviceKvSession';
import { cachedFusedGraph } from './fusedGraphCache';
import { checkConfigAgainstWeights, contextLength, eosTokenIds, fusedOnnxPath, layerCount, onnxPath, tokenizerDir } from './modelFiles';
import { fitPrompt } from './contextWindow';
import { cpuFirst, cudaProviderInstalled, fusedAttentionFor, type Device } from './providers';
import { resolvePromptDtype } from './promptDtype';
import { readModelConfig } from '../model/config';
import { CausalLmSession, loadOrt } from './session';
import { int8ProductsClip } from './int8Products';
import { NativeDecoder, nativeModelProblem, nativeRunsPrompts, wantsNativeDecode } from './nativeDecoder';
import { loadTokenizer, type ChatMessage, type TextTokenizer } from './tokenizer';

export interface EngineOptions {
  readonly modelDir: string;
  readonly dtype: Dtype;
  readonly device: Device;
  readonly threads: number;
  /** Used when the model folder has no tokenizer files. */
  readonly tokenizerFallbackDir?: string;
  /** Bound on cached KV bytes over all slots (default 512 MiB). */
  readonly maxCacheBytes?: number;
  /** Prompt tokens per forward pass while prefilling; bounds the logits buffer (default 256). */
  readonly prefillChunk?: number;
  /**
   * Which graph to run: `fused` (`onnx/<dtype>_fused[_matmul].onnx`, contrib ops and an
   * engine-owned KV cache; see `fusedAttentionFor`), `plain` (the hub-layout graph), or `auto`
   * (default): fused when the folder has it (or, with `buildFusedGraph`, when it can be built).
   */
  readonly graph?: 'auto' | 'plain' | 'fused';
  /** Folder for ONNX Runtime's optimised graphs, so later loads skip optimisation (default `<modelDir>/onnx/.optimized`; `''` disables). */
  readonly optimizedModelDir?: string;
  /**
   * With graph `auto` or `fused`: when the folder ships no fused graph but has model.safetensors,
   * build one into the optimised-graph folder on the first load (fusedGraphCache.ts).
   */
  readonly buildFusedGraph?: boolean;
  /** The fused graph's attention; default `fusedAttentionFor(device)` (benchmarks compare both). */
  readonly fusedAttention?: FusedAttention;
  /**
   * Prompt chunks (steps of more than one token) run through the fused graph in this dtype, on
   * the CPU, while single-token steps stay in `dtype` (fusedSession.ts): `int8` with `q4` gives
   * int8's prompt speed with q4's decode, holding both graphs' weights. Ignored when it equals
   * `dtype` or no fused graph runs; without a fused graph in this dtype, the engine says so in
   * `graph.note` and runs `dtype` alone. `auto`: int8 for a small q4 model on the CPU, else
   * `dtype` (promptDtype.ts). Default: `dtype`.
   */
  readonly promptDtype?: Dtype | 'auto';
  /**
   * The KV cache type of the fused graph: set, the graph is built with it (fusedGraphCache.ts,
   * with `buildFusedGraph`) even where the folder ships one; unset, a shipped graph runs with the
   * type it declares and a built one with 8-bit caches for quantized dtypes
   * (model/int8KvAttention.ts). `float32` is exact; benchmarks compare both.
   */
  readonly kvCache?: KvCacheType;
  /**
   * Steps through the native step (nativeDecoder.ts) instead of ONNX Runtime: every step, prompt
   * chunks included, where its kernel runs them (AVX2 and up; ONNX Runtime's session is then
   * closed), else steps of up to 4 tokens. `true` uses it where it can run (q4 fused graph with
   * an 8-bit cache on the CPU, model.safetensors in the folder, the addon built for this
   * platform), saying in `graph.note` why not; unset does so where the addon's kernel is
   * vectorized (`wantsNativeDecode`); `false` never.
   */
  readonly nativeDecode?: boolean;
}

/** Which graph an engine runs, and anything worth telling about how it got it. */
export interface EngineGraph {
  readonly kind: 'plain' | 'fused';
  /** The ONNX file it runs (its name says which fused attention: `model_q4_fused_matmul.onnx`). */
  readonly file: string;
  /** Why a fused graph is not used, or how long building it took. */
  readonly note?: string;
  /** Whether KV caches live in GPU memory (the fused graph on WebGPU). */
  readonly kvOnDevice: boolean;
  /** The type of the engine-kept KV cache of a fused graph on the CPU (model/int8KvAttention.ts). */
  readonly kvCache?: KvCacheType;
  /** The graph prompt chunks run through, when not this one (`EngineOptions.promptDtype`). */
  readonly promptFile?: string;
  /** The native decode step's kernel (`avx512-vnni`, `avx2`, `scalar`) when single tokens run through it. */
  readonly nativeDecode?: string;
  /** Prompt chunks run through the native step too, and ONNX Runtime's session is closed. */
  readonly nativePrompts?: boolean;
}

/**
 * The native decode step for `options`, opened before the ONNX session: its first load reads and
 * quantizes the checkpoint, and that garbage is collected before ONNX Runtime allocates, where
 * after it the peak held both (360M: 1178 MB against 869). Undefined when it cannot apply.
 */
function openNativeDecoder(options: EngineOptions, fusedPath: string | undefined, cacheDir: string): { decoder?: NativeDecoder; error?: string } | undefined {
  if (!nativeWanted(options, fusedPath)) return undefined;
  try {
    return { decoder: NativeDecoder.open(options.modelDir, options.threads, cacheDir || undefined) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** Whether `options` ask for the native step (explicitly or by `auto`) where it could apply. */
function nativeWanted(options: EngineOptions, fusedPath: string | undefined): boolean {
  if (options.nativeDecode === false || fusedPath === undefined || options.dtype !== 'q4') return false;
  return wantsNativeDecode(options.nativeDecode, nativeRunsPrompts()) && cpuFirst(options.device, process.platform, cudaProviderInstalled());
}

/**
 * Attaches the native decode step to `session` where it can run; returns its kernel, or why
 * not (undefined when nothing was asked and nothing could be tried).
 */
function attachNativeDecoder(session: FusedLmSession | undefined, options: EngineOptions, opened: ReturnType<typeof openNativeDecoder>): { kernel?: string; note?: string } {
  if (options.nativeDecode === false) return {};
  const explicit = options.nativeDecode === true;
  const unsuitable =
    options.dtype !== 'q4' ? `the native decode step runs q4 weights, not ${options.dtype}`
    : session === undefined ? 'the native decode step runs with a fused graph only'
    : session.provider !== 'cpu' ? `the native decode step runs on the CPU, this graph on ${session.provider}`
    : session.kvGeometry.type !== 'int8' ? 'the native decode step reads 8-bit KV caches (this graph keeps float32)'
    : undefined;
  if (unsuitable || !opened) {
    opened?.decoder?.release();
    return explicit ? { note: unsuitable ?? 'the native decode step was not tried' } : {};
  }
  if (!opened.decoder) return { note: `single tokens stay on ONNX Runtime: ${opened.error}` };
  const problem = session!.useNativeDecoder(opened.decoder);
  if (problem === undefined) return { kernel: opened.decoder.kernel };
  opened.decoder.release();
  return { note: `single tokens stay on ONNX Runtime: ${problem}` };
}

/**
 * The fused graph to run for `options`: shipped in the folder (the preferred attention first),
 * else built into `cacheDir` when allowed.
 */
function findFusedGraph(options: EngineOptions, required: boolean, cacheDir: string): { path?: string; built?: boolean; note?: string } {
  const preferred = options.fusedAttention ?? fusedAttentionFor(options.device, process.platform, cudaProviderInstalled());
  // A cache type asked for is built: the folder's graphs declare their own.
  for (const attention of options.kvCache ? [] : [preferred, ...FUSED_ATTENTIONS.filter((a) => a !== preferred)]) {
    const shipped = fusedOnnxPath(options.modelDir, options.dtype, attention);
    if (shipped) return { path: shipped };
  }
  if (!options.buildFusedGraph || cacheDir === '') {
    if (required) throw new Error(`${options.modelDir} has no fused graph for dtype "${options.dtype}" (make-model --fused writes one)`);
    return {};
  }
  const built = cachedFusedGraph(options.modelDir, options.dtype, preferred, cacheDir, options.kvCache);
  if (built.path === undefined) {
    if (required) throw new Error(built.reason);
    return { note: `running the plain graph: ${built.reason}` };
  }
  return { path: built.path, built: true, note: built.builtMs === undefined ? undefined : `built the fused graph in ${(built.builtMs / 1000).toFixed(1)} s` };
}

/**
 * The graph prompt chunks run through in `dtype`, or a note saying why there is none: a prompt
 * graph (no logits; shipped, else built when allowed, with the `cache` type of the graph it
 * writes for), else the folder's whole fused graph of
 * that dtype, which also works but holds an lm_head the prompt never uses.
 */
function findPromptGraph(options: EngineOptions, dtype: Dtype, cacheDir: string, cache?: KvCacheType): { path?: string; built?: string; note?: string } {
  try {
    const shipped = options.kvCache ? undefined : fusedOnnxPath(options.modelDir, dtype, 'prompt');
    if (shipped) return { path: shipped };
    let reason: string | undefined;
    if (options.buildFusedGraph && cacheDir !== '') {
      const built = cachedFusedGraph(options.modelDir, dtype, 'prompt', cacheDir, cache ?? options.kvCache);
      if (built.path !== undefined) return { path: built.path, built: built.builtMs === undefined ? undefined : `built the prompt graph in ${(built.builtMs / 1000).toFixed(1)} s` };
      reason = built.reason;
    }
    const found = findFusedGraph({ ...options, dtype, buildFusedGraph: false }, false, cacheDir);
    if (found.path) return { path: found.path };
    return { note: `prompt chunks stay in ${options.dtype}: ${reason ?? found.note ?? `no ${dtype} prompt graph`}` };
  } catch (error) {
    return { note: `prompt chunks stay in ${options.dtype}: ${(error as Error).message}` };
  }
}

/** A cache as the engine sees it: opaque, with a length. */
interface Kv {
  readonly length: number;
}

/**
 * What the engine needs from a model session (`CausalLmSession` for plain graphs,
 * `FusedLmSession` for fused ones). Methods, not function properties, so each session's own
 * cache type fits.
 */
interface LmSession {
  readonly provider: string;
  readonly fallbacks: readonly string[];
  /** true when `step` writes into the cache it is given, so a cache may serve one request at a time. */
  readonly mutableKv?: boolean;
  /** An empty cache; preallocating sessions size it for `capacity` positions. */
  emptyKv(capacity?: number): Kv;
  kvBytes(kv: Kv): number;
  /** The first `length` positions; device-resident caches may need an async round trip. */
  truncateKv(kv: Kv, length: number): Kv | Promise<Kv>;
  /** Frees a cache's device memory (caches that hold some); the cache must not be used after. */
  disposeKv?(kv: Kv): void;
  /** Makes room for `length` positions up front (preallocated caches). */
  reserveKv?(kv: Kv, length: number): Kv;
  /** `logits: false`: the caller will not read this step's logits (a prompt chunk with more to follow). */
  step(ids: readonly number[], kv: Kv, logits?: boolean): Promise<{ readonly logits: Float32Array; readonly kv: Kv }>;
  dispose(): Promise<void>;
}

export type FinishReason = 'eos' | 'stop-string' | 'max-tokens' | 'time-budget' | 'cancelled';

export interface GenerateRequest {
  /** Cache slot: requests on the same slot share a KV cache. */
  readonly slot: string;
  readonly prompt: string | { readonly messages: readonly ChatMessage[] };
  readonly maxNewTokens: number;
  readonly sampling?: SamplingOptions;
  readonly stopStrings?: readonly string[];
  /** Extra stop ids besides the model's end-of-sequence ids. */
  readonly stopTokenIds?: readonly number[];
  /** After this many ms, generation ends at the next newline. */
  readonly timeBudgetMs?: number;
  /** false: ignore the slot's cache (for measuring). Default true. */
  readonly reuseCache?: boolean;
}

/** Work the engine has done since it was loaded, for tests and benchmarks (not timing). */
export interface EngineCounters {
  /** Requests that ran at least one prompt token (a request whose whole prompt was cached runs none). */
  prefills: number;
  /** Prompt tokens run over all requests. */
  prefillTokens: number;
}

export interface GenerateStats {
  readonly text: string;
  readonly tokens: readonly number[];
  /** Prompt tokens run (after any cut). */
  readonly promptTokens: number;
  /** Prompt tokens dropped from the left to fit the context window (contextWindow.ts). */
  readonly truncatedTokens: number;
  readonly reusedTokens: number;
  readonly finishReason: FinishReason;
  /** From the call to the first generated token's logits. */
  readonly timeToFirstTokenMs: number;
  readonly totalMs: number;
}

/** A small FIFO lock so forward steps of concurrent requests never overlap. */
class StepLock {
  private tail: Promise<void> = Promise.resolve();

  async run<T>(work: () => Promise<T>): Promise<T> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise((resolve) => (release = resolve));
    await previous;
    try {
      return await work();
    } finally {
      release();
    }
  }
}

export class Engine {
  private readonly slots: KvSlots<Kv>;
  private readonly lock = new StepLock();
  readonly counters: EngineCounters = { prefills: 0, prefillTokens: 0 };

  private constructor(
    private readonly session: LmSession,
    readonly tokenizer: TextTokenizer,
    private readonly eosIds: ReadonlySet<number>,
    private readonly options: EngineOptions,
    /** The graph this engine runs. */
    readonly graph: EngineGraph,
    /** The model's context window in tokens (config.json's max_position_embeddings). */
    readonly contextLength: number,
  ) {
    this.slots = new KvSlots(options.maxCacheBytes ?? 512 * 2 ** 20, (kv) => session.disposeKv?.(kv));
  }

  /** Loads the model folder: config.json against the weights and the tokenizer first (cheap, clear errors), then the ONNX session. */
  static async load(options: EngineOptions): Promise<Engine> {
    const graph = options.graph ?? 'auto';
    checkConfigAgainstWeights(options.modelDir);
    const tokenizer = await loadTokenizer(tokenizerDir(options.modelDir, options.tokenizerFallbackDir));
    const eos = new Set(eosTokenIds(options.modelDir));
    if (tokenizer.eosTokenId !== undefined) eos.add(tokenizer.eosTokenId);
    const optimizedModelDir = options.optimizedModelDir ?? join(options.modelDir, 'onnx', '.optimized');
    const fused = graph === 'plain' ? {} : findFusedGraph(options, graph === 'fused', optimizedModelDir);
    // A built graph's optimised copy lives beside it, so removing a stale build removes both.
    const sessionOptions = { ...options, optimizedModelDir: fused.built && fused.path ? dirname(fused.path) : optimizedModelDir || undefined };
    const context = contextLength(options.modelDir);
    const config = readModelConfig(join(options.modelDir, 'config.json'));
    const path = fused.path ?? onnxPath(options.modelDir, options.dtype);
    const promptDtype =
      options.promptDtype === 'auto'
        ? resolvePromptDtype('auto', options.dtype, config, {
            cpuFirst: cpuFirst(options.device, process.platform, cudaProviderInstalled()),
            int8Exact: !(await int8ProductsClip(await loadOrt())),
          })
        : options.promptDtype;
    // Found once the decode graph is open: a prompt graph built here takes that graph's cache
    // type (one shipped in the folder before 8-bit caches keeps float32); a shipped prompt graph
    // came with the shipped decode graph.
    const wanted = fused.path !== undefined && promptDtype !== undefined && promptDtype !== options.dtype;
    let prompt: ReturnType<typeof findPromptGraph> = {};
    // Where the native step will take every step (its kernel runs prompt chunks), ONNX Runtime's
    // session opens first, for the graph's cache layout, and is freed before the native weights
    // load: the peak holds one copy of the model. Elsewhere the native step opens first, so its
    // first load's garbage is collected before ONNX Runtime allocates (360M: 1178 MB the other way
    // round, 925 MB this way).
    const nativeLast = nativeWanted(options, fused.path) && nativeRunsPrompts() && nativeModelProblem(options.modelDir, config) === undefined;
    let opened = nativeLast ? undefined : openNativeDecoder(options, fused.path, optimizedModelDir);
    const promptGraph = (kvCache: KvCacheType) => {
      // The native step runs prompt chunks faster than an int8 graph, without its weights.
      if (kvCache === 'int8' && (nativeLast || opened?.decoder?.runsPrompts)) {
        prompt = { note: `prompt chunks run in the native step, not in ${promptDtype}` };
        return undefined;
      }
      prompt = findPromptGraph(options, promptDtype!, optimizedModelDir, kvCache);
      return prompt.path;
    };
    let session: FusedLmSession | DeviceKvSession | CausalLmSession;
    try {
      session = fused.path
        ? await FusedLmSession.open(path, sessionOptions, context, layerCount(options.modelDir), wanted ? promptGraph : undefined)
        : await CausalLmSession.open(path, sessionOptions);
    } catch (error) {
      opened?.decoder?.release();
      throw error;
    }
    if (nativeLast && session instanceof FusedLmSession) {
      if (session.provider === 'cpu' && session.kvGeometry.type === 'int8') await session.releaseGraph();
      opened = openNativeDecoder(options, fused.path, optimizedModelDir);
    }
    const paired = session instanceof FusedLmSession && session.pairedPromptGraph;
    const promptNote = !wanted
      ? undefined
      : paired
        ? `prompt chunks run in ${promptDtype}${prompt.built ? ` (${prompt.built})` : ''}`
        : session.provider !== 'cpu'
          ? `prompt chunks stay in ${options.dtype}: a ${promptDtype} prompt graph runs on the CPU only, this engine on ${session.provider}`
          : prompt.note;
    const native = attachNativeDecoder(session instanceof FusedLmSession ? session : undefined, options, opened);
    // The native step could not take over after all: ONNX Runtime's session runs every step again.
    if (session instanceof FusedLmSession && !session.graphOpen && native.kernel === undefined) await session.restoreGraph();
    const note = [fused.note, promptNote, native.note].filter((n) => n !== undefined).join('; ') || undefined;
    const engineGraph: EngineGraph = {
      kind: fused.path ? 'fused' : 'plain',
      file: basename(path),
      note,
      kvOnDevice: session instanceof DeviceKvSession,
      ...(session instanceof FusedLmSession ? { kvCache: session.kvGeometry.type } : {}),
      ...(paired ? { promptFile: basename(prompt.path!) } : {}),
      ...(native.kernel ? { nativeDecode: native.kernel } : {}),
      ...(session instanceof FusedLmSession && native.kernel && !session.graphOpen ? { nativePrompts: true } : {}),
    };
    return new Engine(session, tokenizer, eos, options, engineGraph, context);
  }

  /** The execution provider in use and why others were not. */
  get provider(): { readonly name: string; readonly fallbacks: readonly string[] } {
    return { name: this.session.provider, fallbacks: this.session.fallbacks };
  }

  /** Token ids of a prompt as the engine will run it. */
  promptIds(prompt: GenerateRequest['prompt']): number[] {
    const text = typeof prompt === 'string' ? prompt : this.tokenizer.chatPrompt(prompt.messages);
    return this.tokenizer.encode(text);
  }

  /**
   * Streams the completion of `request` as text chunks; the return value carries the stats.
   * `signal` is checked before every forward step; a cancelled request ends with reason
   * `cancelled` and leaves the slot's cache valid for the next request.
   */
  async *generate(request: GenerateRequest, signal?: AbortSignal): AsyncGenerator<string, GenerateStats> {
    const start = performance.now();
    if (!(Number.isInteger(request.maxNewTokens) && request.maxNewTokens >= 0)) {
      throw new RangeError(`maxNewTokens must be an integer >= 0, got ${request.maxNewTokens}`);
    }
    const sampler = new Sampler(request.sampling);
    const whole = this.promptIds(request.prompt);
    if (whole.length === 0) throw new Error('the prompt is empty');
    const { ids: prompt, dropped } = fitPrompt(whole, this.contextLength, request.maxNewTokens);
    // A mutable cache is taken out of its slot (reusing its memory even when not its content),
    // so a concurrent request on the same slot starts a cache of its own instead of sharing.
    const entry = this.session.mutableKv ? this.slots.take(request.slot) : this.slots.get(request.slot);
    const cached = request.reuseCache === false ? undefined : entry;
    // The same prompt again (another choice of one completion): its logits were kept with the
    // cache, so no prompt token runs and every branch decodes from one prefill.
    const kept = cached?.promptLogits?.length === prompt.length && commonPrefixLength(cached.tokens, prompt) === prompt.length ? cached.promptLogits : undefined;
    const reused = kept ? prompt.length : cached ? reusableLength(cached.tokens, prompt) : 0;
    let promptLogits: PromptLogits | undefined = kept;
    let kv: Kv;
    if (this.session.mutableKv) {
      const needed = Math.min(prompt.length + request.maxNewTokens, this.contextLength);
      kv = entry ? await this.session.truncateKv(entry.kv, reused) : this.session.emptyKv(needed);
      kv = this.session.reserveKv?.(kv, needed) ?? kv;
    } else {
      kv = cached && reused > 0 ? await this.session.truncateKv(cached.kv, reused) : this.session.emptyKv();
    }
    const history = prompt.slice(0, reused);
    const stopIds = new Set([...this.eosIds, ...(request.stopTokenIds ?? [])]);
    const detokenizer = new IncrementalDetokenizer((ids) => this.tokenizer.decode(ids));
    const stopper = new TextStopper(
      request.stopStrings ?? [],
      () => request.timeBudgetMs !== undefined && performance.now() - start > request.timeBudgetMs,
    );
    const generated: number[] = [];
    let text = '';
    let firstTokenAt = 0;
    let finishReason: FinishReason = 'max-tokens';
    let pending = prompt.slice(reused);
    if (pending.length > 0) {
      this.counters.prefills++;
      this.counters.prefillTokens += pending.length;
    }
    // The sampler modifies logits in place, so a kept row is handed out as a copy.
    let carried: Float32Array | undefined = promptLogits?.logits.slice();

    const save = () => this.slots.set(request.slot, history, kv, this.session.kvBytes(kv), promptLogits);
    try {
      // A full window ends generation like maxNewTokens does: no graph runs past the context.
      while (generated.length < request.maxNewTokens && history.length + pending.length <= this.contextLength) {
        if (signal?.aborted) {
          finishReason = 'cancelled';
          break;
        }
        let logits: Float32Array | undefined = carried;
        carried = undefined;
        const chunk = this.options.prefillChunk ?? 256;
        while (pending.length > 0) {
          const ids = pending.slice(0, chunk);
          const last = ids.length === pending.length;
          const out = await this.lock.run(() => this.session.step(ids, kv, last));
          kv = out.kv;
          history.push(...ids);
          pending = pending.slice(ids.length);
          logits = out.logits;
          if (pending.length > 0 && signal?.aborted) break;
          // A fused session rewrites its logits buffer on the next step: keep a copy.
          if (pending.length === 0 && history.length === prompt.length) promptLogits = { length: prompt.length, logits: out.logits.slice() };
        }
        if (!logits || signal?.aborted) {
          finishReason = 'cancelled';
          break;
        }
        const next = sampler.next(logits, history);
        if (firstTokenAt === 0) firstTokenAt = performance.now();
        if (stopIds.has(next)) {
          finishReason = 'eos';
          break;
        }
        generated.push(next);
        const result = stopper.push(detokenizer.push(next));
        if (result.text) {
          text += result.text;
          yield result.text;
        }
        if (result.stop) {
          finishReason = result.reason ?? 'stop-string';
          break;
        }
        pending = [next];
      }
      if (finishReason !== 'stop-string' && finishReason !== 'time-budget') {
        const rest = stopper.push(detokenizer.flush());
        const tail = rest.text + (rest.stop ? '' : stopper.flush());
        if (tail) {
          text += tail;
          yield tail;
        }
      }
    } finally {
      save();
    }
    const end = performance.now();
    return {
      text,
      tokens: generated,
      promptTokens: prompt.length,
      truncatedTokens: dropped,
      reusedTokens: reused,
      finishReason,
      timeToFirstTokenMs: (firstTokenAt || end) - start,
      totalMs: end - start,
    };
  }

  /** Runs `generate` to the end and returns its stats. */
  async complete(request: GenerateRequest, signal?: AbortSignal): Promise<GenerateStats> {
    const stream = this.generate(request, signal);
    for (;;) {
      const step = await stream.next();
      if (step.done) return step.value;
    }
  }

  async dispose(): Promise<void> {
    this.slots.clear();
    await this.session.dispose();
  }
}
