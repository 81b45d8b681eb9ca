/**
 * @file The measurement plan, the same sequence of calls for every runtime: load, one untimed
 * warm-up on the 512-token prompt, then per run prefill 512, prefill 1500 (which also leaves
 * the keystroke context in the cache), a keystroke with cache reuse (where supported) and
 * without, and decoding. Peak RSS is read before any extra loads (runs > 1 in one process).
 */
import { cpuSnapshot, othersShare } from './contention';
import { type MetricKey, type RuntimeName, type Samples, type WorkerResult } from './metrics';
import type { BenchPrompts } from './prompts';
import type { BenchRuntime, GenerationTiming, LoadedModel } from './runtimes/runtime';
import type { BenchGraph } from './options';
import type { Dtype } from '../../src/model/configTypes';
import { peakRssMiB } from './peakRss';

/** What one worker measures. */
export interface PlanOptions {
  readonly runtime: RuntimeName;
  readonly modelDir: string;
  readonly dtype: Dtype;
  readonly graph: BenchGraph;
  readonly threads: number;
  readonly runs: number;
  /** Index of the first run, across worker processes (picks the keystroke edit). */
  readonly firstRun: number;
  readonly decodeTokens: number;
  readonly prompts: BenchPrompts;
  /** Progress lines (to stderr). */
  readonly log: (line: string) => void;
}

function tokensPerSecond(tokens: number, ms: number): number {
  return (tokens * 1000) / ms;
}

async function timedLoad(runtime: BenchRuntime, options: PlanOptions): Promise<{ model: LoadedModel; ms: number }> {
  const start = performance.now();
  const model = await runtime.load(options.modelDir, options.dtype, options.threads, options.graph);
  return { model, ms: performance.now() - start };
}

/** Runs the plan on `runtime` and returns its samples. */
export async function runPlan(runtime: BenchRuntime, options: PlanOptions): Promise<WorkerResult> {
  const { prompts, log } = options;
  const samples: Samples = {};
  const add = (key: MetricKey, value: number) => (samples[key] ??= []).push(value);
  const keystrokeNewTokens: number[] = [];
  const decodeTokens: number[] = [];
  const notes: string[] = [];

  await runtime.warmUp();
  const cpuBefore = cpuSnapshot();
  const first = await timedLoad(runtime, options);
  add('loadMs', first.ms);
  log(`loaded in ${first.ms.toFixed(0)} ms`);
  const model = first.model;
  try {
    // Warm-up on a real prompt size, so the first timed prefill does not pay for growing buffers.
    await model.generate(prompts.prefill512, 2, false);
    for (let i = 0; i < options.runs; i++) {
      const run = options.firstRun + i;
      const p512 = await model.generate(prompts.prefill512, 1, false);
      add('prefill512TokPerS', tokensPerSecond(prompts.prefill512.ids.length, p512.timeToFirstTokenMs));
      const p1500 = await model.generate(prompts.prefill1500, 1, false);
      add('prefill1500TokPerS', tokensPerSecond(prompts.prefill1500.ids.length, p1500.timeToFirstTokenMs));

      const edit = prompts.edits[run % prompts.edits.length] as BenchPrompts['edits'][number];
      const extra = edit.ids.length - prompts.prefill1500.ids.length;
      keystrokeNewTokens.push(extra);
      if (runtime.supportsReuse) {
        const reuse = await model.generate(edit, 1, true);
        if (reuse.reusedTokens !== undefined && reuse.reusedTokens !== prompts.prefill1500.ids.length) {
          notes.push(`run ${run + 1}: keystroke reused ${reuse.reusedTokens} tokens, expected ${prompts.prefill1500.ids.length}`);
        }
        add('keystrokeReuseMs', reuse.timeToFirstTokenMs);
      }
      const fresh = await model.generate(edit, 1, false);
      add('keystrokeFreshMs', fresh.timeToFirstTokenMs);

      const decode: GenerationTiming = await model.generate(prompts.decode, options.decodeTokens, false);
      decodeTokens.push(decode.tokens);
      if (decode.tokens < options.decodeTokens) {
        notes.push(`run ${run + 1}: decoding stopped after ${decode.tokens} of ${options.decodeTokens} tokens`);
      }
      if (decode.tokens > 1) add('decodeTokPerS', tokensPerSecond(decode.tokens - 1, decode.totalMs - decode.timeToFirstTokenMs));
      log(
        `run ${run + 1}: prefill ${p512.timeToFirstTokenMs.toFixed(0)} / ${p1500.timeToFirstTokenMs.toFixed(0)} ms, ` +
          `keystroke +${extra} ${samples.keystrokeReuseMs?.at(-1)?.toFixed(0) ?? '-'} / ${fresh.timeToFirstTokenMs.toFixed(0)} ms, ` +
          `decode ${decode.tokens} in ${decode.totalMs.toFixed(0)} ms`,
      );
    }
    if (!runtime.supportsReuse) notes.push('no cache reuse across calls: every keystroke runs the whole prompt');
  } finally {
    await model.dispose();
  }
  // Read before the reloads below can add garbage of their own.
  add('peakRssMb', peakRssMiB());
  for (let i = 1; i < options.runs; i++) {
    const again = await timedLoad(runtime, options);
    add('loadMs', again.ms);
    await again.model.dispose();
  }
  const othersCpuShare = othersShare(cpuBefore, cpuSnapshot());
  return { runtime: options.runtime, samples, keystrokeNewTokens, decodeTokens, othersCpuShare, notes };
}
