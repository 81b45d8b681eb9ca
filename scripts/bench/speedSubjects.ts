/**
 * @file The runtimes `speed.ts` measures, behind one surface: our engine on the plain graph and
 * on both fused graphs (matmul attention, what it runs on CPU, its short steps as the engine
 * decides, through the native decode step at any size (`fused-native`) and through ONNX Runtime
 * (`fused-ort`), also with a float32 KV cache
 * (`fused-f32-cache`) where the default is 8-bit, and GQA), the matmul one with its
 * prompt chunks through the int8 fused graph (`fused-int8-prompts`, `EngineOptions.promptDtype`, all on
 * ONNX Runtime), and stock
 * transformers.js on the plain file and on the fused GQA file (it cannot feed the matmul one),
 * and llama.cpp on Q4_0 and Q8_0 GGUFs of the same weights (llamaCppSubject.ts).
 * Each takes token ids; ours decodes them to text for `Engine.complete` (the engine re-tokenises,
 * so its time includes tokenising, and a count may shift by one; the measured counts are
 * reported).
 */
import '../../src/runtime/telemetry';
import { Engine } from '../../src/runtime/engine';
import { fusedVariantFile, type FusedVariant } from '../../src/model/configTypes';
import { loadLlamaCpp } from './llamaCppSubject';

/** Runtimes measured by speed.ts. */
export const RUNTIMES = ['plain', 'fused', 'fused-native', 'fused-ort', 'fused-f32-cache', 'fused-gqa', 'fused-int8-prompts', 'transformers', 'transformers-fused', 'llamacpp-q4_0', 'llamacpp-q8_0'] as const;
/** One runtime. */
export type Runtime = (typeof RUNTIMES)[number];

/** One model in one runtime. */
export interface Subject {
  /** Greedy `newTokens` after `ids` without early stop: time to first token and ms per later token. */
  run(ids: readonly number[], newTokens: number): Promise<{ ttftMs: number; perTokenMs: number; promptTokens: number }>;
  /** Caches `base` (untimed), for `keystroke`. */
  prepareKeystroke(base: readonly number[]): Promise<void>;
  /**
   * Latency of the next token for `ids` (the prepared base plus one token), and how many prompt
   * tokens ran. transformers.js also reports `forwardMs`, its bare forward pass over the cached
   * base without `generate` around it: a lower bound no caller of its public API gets.
   */
  keystroke(ids: readonly number[]): Promise<{ ms: number; newTokens: number; forwardMs?: number }>;
  dispose(): Promise<void>;
}

/** Loads `runtime` on `modelDir`; ours keeps optimised graphs in `cacheDir`. */
export function loadSubject(runtime: Runtime, modelDir: string, dtype: FusedVariant, threads: number, cacheDir: string, llamaCppThreads = threads): Promise<Subject> {
  if (runtime === 'transformers') return loadTransformers(modelDir, dtype, threads);
  // llama.cpp runs its own GGUF of the same weights whatever the dtype row (see llamaCppSubject.ts).
  if (runtime === 'llamacpp-q4_0') return loadLlamaCpp(modelDir, 'q4_0', llamaCppThreads);
  if (runtime === 'llamacpp-q8_0') return loadLlamaCpp(modelDir, 'q8_0', llamaCppThreads);
  // transformers.js names files `<model_file_name><dtype suffix>.onnx`; the fused ones are
  // `model<suffix>_fused.onnx`, so the file is named in full and the dtype suffix left empty.
  if (runtime === 'transformers-fused') return loadTransformers(modelDir, 'fp32', threads, fusedVariantFile(dtype).replace(/\.onnx$/, ''));
  return loadOurs(modelDir, dtype, runtime, threads, cacheDir);
}

async function loadOurs(modelDir: string, dtype: FusedVariant, runtime: 'plain' | 'fused' | 'fused-native' | 'fused-ort' | 'fused-f32-cache' | 'fused-gqa' | 'fused-int8-prompts', threads: number, cacheDir: string): Promise<Subject> {
  const graph = runtime === 'plain' ? 'plain' : 'fused';
  // `fused` is what the engine picks on CPU (matmul attention); `fused-gqa` the GQA file transformers.js also runs.
  const fusedAttention = runtime === 'fused-gqa' ? 'gqa' : 'matmul';
  // The folder needs the int8 fused graph too: run with `--dtypes q4,int8`.
  const promptDtype = runtime === 'fused-int8-prompts' ? 'int8' : undefined;
  // `fused-f32-cache`: the matmul graph with a float32 KV cache, built into cacheDir (the folder's is 8-bit).
  const kvCache = runtime === 'fused-f32-cache' ? 'float32' : undefined;
  // `fused-ort`: every step through ONNX Runtime; `fused-native`: through the native step even
  // with a plain-C kernel; `fused-int8-prompts` on ONNX Runtime too (the native step, where it
  // runs, takes prompt chunks itself and no int8 graph loads); the others as the engine decides
  // (native where its kernel is vectorized).
  const nativeDecode = runtime === 'fused-ort' || runtime === 'fused-int8-prompts' ? false : runtime === 'fused-native' ? true : undefined;
  const engine = await Engine.load({ modelDir, dtype, device: 'cpu', threads, graph, fusedAttention, optimizedModelDir: cacheDir, promptDtype, kvCache, nativeDecode, buildFusedGraph: kvCache !== undefined });
  if (promptDtype && engine.graph.promptFile === undefined) throw new Error(`${runtime}: no int8 prompt graph (${engine.graph.note ?? 'no note'}); run with --dtypes q4,int8`);
  const text = (ids: readonly number[]) => engine.tokenizer.decode(ids);
  let base = '';
  return {
    async run(ids, newTokens) {
      const stats = await engine.complete({ slot: 'run', prompt: text(ids), maxNewTokens: newTokens, stopTokenIds: [], reuseCache: false });
      const perTokenMs = (stats.totalMs - stats.timeToFirstTokenMs) / Math.max(stats.tokens.length - 1, 1);
      return { ttftMs: stats.timeToFirstTokenMs, perTokenMs, promptTokens: stats.promptTokens };
    },
    async prepareKeystroke(ids) {
      base = text(ids);
      await engine.complete({ slot: 'keys', prompt: base, maxNewTokens: 1, reuseCache: false });
    },
    async keystroke(ids) {
      const stats = await engine.complete({ slot: 'keys', prompt: text(ids), maxNewTokens: 1 });
      // Back to the base, untimed, so every keystroke starts from the same cache.
      await engine.complete({ slot: 'keys', prompt: base, maxNewTokens: 1 });
      return { ms: stats.totalMs, newTokens: stats.promptTokens - stats.reusedTokens };
    },
    dispose: () => engine.dispose(),
  };
}

async function loadTransformers(modelDir: string, dtype: FusedVariant, threads: number, modelFileName?: string): Promise<Subject> {
  const lib = await import('@huggingface/transformers');
  lib.env.allowRemoteModels = false;
  const model = await lib.AutoModelForCausalLM.from_pretrained(modelDir, {
    dtype,
    device: 'cpu',
    session_options: { intraOpNumThreads: threads },
    ...(modelFileName ? { model_file_name: modelFileName } : {}),
  });
  const int64 = (values: readonly number[]) => new lib.Tensor('int64', BigInt64Array.from(values, BigInt), [1, values.length]);
  const ones = (n: number) => new lib.Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]);
  type Streamer = NonNullable<Parameters<typeof model.generate>[0]['streamer']>;
  type Outputs = Record<string, InstanceType<typeof lib.Tensor>>;
  let past: Outputs = {};
  let baseLength = 0;
  return {
    async run(ids, newTokens) {
      let puts = 0;
      let first = 0;
      class Clock extends lib.BaseStreamer {
        override put(): void {
          // The first put is the prompt.
          if (puts++ === 1) first = performance.now();
        }
        override end(): void {}
      }
      const start = performance.now();
      const streamer = new Clock() as unknown as Streamer;
      await model.generate({ input_ids: int64(ids), attention_mask: ones(ids.length), max_new_tokens: newTokens, min_new_tokens: newTokens, do_sample: false, streamer });
      const end = performance.now();
      return { ttftMs: (first || end) - start, perTokenMs: (end - (first || end)) / Math.max(newTokens - 1, 1), promptTokens: ids.length };
    },
    // transformers.js keeps no cache between generate calls unless given one: `generate` with
    // the base's past_key_values runs only the new token (its public API for cache reuse).
    async prepareKeystroke(ids) {
      const out = (await model({ input_ids: int64(ids), attention_mask: ones(ids.length) })) as Outputs;
      past = Object.fromEntries(Object.entries(out).filter(([k]) => k.startsWith('present.')).map(([k, v]) => [k.replace('present.', 'past_key_values.'), v]));
      baseLength = ids.length;
    },
    async keystroke(ids) {
      let start = performance.now();
      const generated = (await model.generate({
        input_ids: int64(ids),
        attention_mask: ones(ids.length),
        past_key_values: new lib.DynamicCache(past),
        max_new_tokens: 1,
        do_sample: false,
      })) as { dims: number[] };
      const ms = performance.now() - start;
      if (generated.dims[1] !== ids.length + 1) throw new Error(`transformers.js generated ${generated.dims[1] - ids.length} tokens, expected 1`);
      start = performance.now();
      const inputs = { input_ids: int64(ids.slice(baseLength)), attention_mask: ones(ids.length), past_key_values: new lib.DynamicCache(past) };
      const logits = ((await model(inputs)) as { logits: { data: Float32Array } }).logits.data;
      let best = 0;
      for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
      return { ms, newTokens: ids.length - baseLength, forwardMs: performance.now() - start };
    },
    async dispose() {
      await model.dispose();
    },
  };
}
